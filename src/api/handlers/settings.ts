/** Settings: notifications (SMTP password write-only), test e-mail, retention, the data folder (read-only). */
import { WEBHOOK_URL_FIELD } from '../../notify/webhook.js';
import { NOTIFICATIONS_SECRET_OWNER, saveSecrets, SMTP_PASSWORD_FIELD, smtpIdentity, type AgentContext } from '../../home/context.js';
import type { SettingsView } from '../../shared/api.contract.js';
import { appVersion } from '../../home/install.js';
import { badRequest } from '../services.js';
import { storeSecrets } from './secrets.js';
import { asBadRequest } from './validate.js';
import type { HandlerGroup } from './types.js';


export function settingsView(ctx: AgentContext): SettingsView {
  return {
    notifications: {
      ...ctx.store.getNotifications(),
      hasPassword: ctx.store.getSealedSecret(NOTIFICATIONS_SECRET_OWNER, SMTP_PASSWORD_FIELD) !== undefined,
      hasWebhookUrl: ctx.store.getSealedSecret(NOTIFICATIONS_SECRET_OWNER, WEBHOOK_URL_FIELD) !== undefined,
    },
    general: ctx.store.getGeneralSettings(),
    home: ctx.layout.home,
    storePath: ctx.layout.storePath,
    version: appVersion(),
  };
}

export const settingsHandlers: HandlerGroup<'getSettings' | 'saveNotifications' | 'sendTestEmail' | 'saveGeneralSettings'> = {
  getSettings: (_input, { ctx }) => settingsView(ctx),

  saveNotifications: ({ notifications: { hasPassword: _p, hasWebhookUrl: _w, ...notifications }, password, webhookUrl }, { ctx }) => {
    const webhookReady = notifications.webhookEnabled && (webhookUrl !== undefined || ctx.store.getSealedSecret(NOTIFICATIONS_SECRET_OWNER, WEBHOOK_URL_FIELD) !== undefined);
    if (notifications.webhookEnabled && !webhookReady) throw badRequest('webhookUrl: enter the webhook URL to turn the webhook on.');
    if (notifications.enabled && (notifications.host || !webhookReady)) {
      if (!notifications.host) throw badRequest('notifications.host: an SMTP server (or a webhook) is required when alerts are on.');
      if (!notifications.to.length) throw badRequest('notifications.to: at least one recipient is required when e-mail alerts are on.');
    }
    asBadRequest(
      () =>
        ctx.store.transaction(() => {
          ctx.store.saveNotifications(notifications);
          const parsed = ctx.store.getNotifications();
          storeSecrets(ctx, NOTIFICATIONS_SECRET_OWNER, [SMTP_PASSWORD_FIELD], smtpIdentity(parsed), password === undefined ? {} : { [SMTP_PASSWORD_FIELD]: password });
          if (webhookUrl !== undefined) saveSecrets(ctx, NOTIFICATIONS_SECRET_OWNER, { [WEBHOOK_URL_FIELD]: webhookUrl });
        }),
      'notifications',
    );
    return settingsView(ctx);
  },

  sendTestEmail: ({ to }, { notifier }) => notifier.sendTestEmail(to),

  saveGeneralSettings: (input, { ctx }) => {
    asBadRequest(() => ctx.store.saveGeneralSettings(input));
    return settingsView(ctx);
  },
};
