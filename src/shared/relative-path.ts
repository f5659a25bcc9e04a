/**
 * Names that must stay inside a folder the admin chose (an export file inside the export folder, a
 * remote file name inside the remote folder). Pure and platform-neutral: the configuration is
 * checked the same on Windows and Linux, whichever machine imports it.
 */

/** Why `name` could leave its folder (absolute, a drive, a UNC share, a `..` step), or undefined when it stays inside. */
export function relativePathProblem(name: string): string | undefined {
  if (/^[/\\]/.test(name)) return `"${name}" is an absolute path; give a name inside the folder`;
  if (/^[A-Za-z]:/.test(name)) return `"${name}" names a drive; give a name inside the folder`;
  if (name.split(/[/\\]/).some((step) => step === '..')) return `"${name}" steps out of the folder with ".."`;
  return undefined;
}
