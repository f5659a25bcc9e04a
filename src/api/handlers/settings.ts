/** Settings: notifications (SMTP password write-only), test e-mail, retention, the data folder (read-only). */
import { saveSecrets, type AgentContext } from '../../agent/context.js';
import type { SettingsView } from '../../shared/api.contract.js';
import { appVersion } from '../agent-info.js';
import { badRequest, notAvailable } from '../services.js';
import type { HandlerGroup } from './types.js';

/** Secret owner and field of the SMTP password (sealed like every other secret). */
export const NOTIFICATIONS_SECRET_OWNER = 'notifications';
export const SMTP_PASSWORD_FIELD = 'password';

export function settingsView(ctx: AgentContext): SettingsView {
  return {
    notifications: { ...ctx.store.getNotifications(), hasPassword: ctx.store.getSealedSecret(NOTIFICATIONS_SECRET_OWNER, SMTP_PASSWORD_FIELD) !== undefined },
    general: ctx.store.getGeneralSettings(),
    home: ctx.layout.home,
    storePath: ctx.layout.storePath,
    version: appVersion(),
  };
}

export const settingsHandlers: HandlerGroup<'getSettings' | 'saveNotifications' | 'sendTestEmail' | 'saveGeneralSettings'> = {
  getSettings: (_input, { ctx }) => settingsView(ctx),

  saveNotifications: ({ notifications, password }, { ctx }) => {
    if (notifications.enabled) {
      if (!notifications.host) throw badRequest('notifications.host: the SMTP server is required when notifications are on.');
      if (!notifications.to.length) throw badRequest('notifications.to: at least one recipient is required when notifications are on.');
    }
    ctx.store.db.transaction(() => {
      ctx.store.setSetting('notifications', notifications);
      if (password !== undefined) saveSecrets(ctx, NOTIFICATIONS_SECRET_OWNER, { [SMTP_PASSWORD_FIELD]: password });
    })();
    return settingsView(ctx);
  },

  sendTestEmail: async ({ to }, { notifier }) => {
    if (!notifier) throw notAvailable('E-mail notifications are not available in this version of the agent yet (src/notify/).');
    return notifier.sendTestEmail(to);
  },

  saveGeneralSettings: (input, { ctx }) => {
    ctx.store.setSetting('general', input);
    return settingsView(ctx);
  },
};
