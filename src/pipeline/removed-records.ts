/**
 * Names the records a held run would remove at the vendor: the removed keys are looked up in a fresh
 * read of the source, mapped with the destination's own plan (so a key is computed exactly as the run
 * computed it), and described by the SIS row's school, grade, role and name. Nothing about them is
 * stored: the review is rebuilt from the source each time it is asked for. Rows are streamed; only the
 * removed keys (and the groups' first samples) are held.
 */
import type { Entity } from '../shared/format.js';
import type { FileRemovals, RemovalGroup, RemovedRecord } from '../shared/hold-review.js';
import { readBatches } from '../sources/common.js';
import type { SourceSession } from '../sources/types.js';
import { fieldAccess } from './field-access.js';
import { namespacedGetter, type IdNamespaces } from './id-namespaces.js';
import type { FieldGetter, Plan } from './plan.js';
import { rowExpander } from './row-rules.js';
import type { TransformIssue } from './transforms.js';

/** Samples kept per group. */
const SAMPLES_PER_GROUP = 5;
/** Keys listed for records the source no longer has. */
const SAMPLE_MISSING = 10;

const ROLE_OF_ENTITY: Readonly<Record<Entity, string>> = {
  schools: 'School',
  terms: 'Term',
  courses: 'Course',
  classes: 'Class',
  students: 'Student',
  teachers: 'Teacher',
  guardians: 'Guardian',
  enrollments: 'Enrollment',
  roster: 'Student',
};

const UNKNOWN_SCHOOL = 'School not given';
const NO_GRADE = 'No grade';

/** The first non-blank of the source fields (canonical names, src/shared/entities.ts), first part of a `;` list. */
function first(get: FieldGetter, ...fields: string[]): string {
  for (const f of fields) {
    const v = get(f)?.split(';')[0]?.trim();
    if (v) return v;
  }
  return '';
}

function describe(entity: Entity, get: FieldGetter, schoolNames: ReadonlyMap<string, string>): { school: string; grade: string; role: string; name: string } {
  const code = first(get, 'school_code', 'school_codes');
  const schoolName = schoolNames.get(code);
  const school = code ? (schoolName ? `${schoolName} (${code})` : code) : UNKNOWN_SCHOOL;
  const grade = first(get, entity === 'roster' ? 'student_grade' : 'grade', 'grades') || NO_GRADE;
  const given = first(get, 'role');
  const role = entity === 'teachers' ? given || ROLE_OF_ENTITY[entity] : entity === 'enrollments' && given ? `${given} enrollment` : ROLE_OF_ENTITY[entity];
  const person = entity === 'roster' ? [first(get, 'student_first_name'), first(get, 'student_last_name')] : [first(get, 'first_name'), first(get, 'last_name')];
  const name = person.filter(Boolean).join(' ') || first(get, 'title', 'name', 'class_name');
  return { school, grade, role: role.charAt(0).toUpperCase() + role.slice(1), name };
}

class Groups {
  private readonly groups = new Map<string, { count: number; samples: RemovedRecord[] }>();
  add(label: string, record: RemovedRecord): void {
    let g = this.groups.get(label);
    if (!g) this.groups.set(label, (g = { count: 0, samples: [] }));
    g.count++;
    if (g.samples.length < SAMPLES_PER_GROUP) g.samples.push(record);
  }
  /** Largest group first. */
  list(): RemovalGroup[] {
    return [...this.groups.entries()].map(([label, g]) => ({ label, count: g.count, samples: g.samples })).sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
  }
}

/** Reads the source's schools (code → name) when the plan reads schools at all. */
async function readSchoolNames(session: SourceSession, plan: Plan, signal?: AbortSignal): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  const schools = plan.files.flatMap((f) => f.entities).find((e) => e.entity === 'schools');
  if (!schools) return names;
  const access = fieldAccess();
  for await (const batch of readBatches(session, schools.request, { signal })) {
    for (const row of batch.rows) {
      access.set(row);
      const code = access.get('school_code')?.trim();
      const name = access.get('name')?.trim();
      if (code && name) names.set(code, name);
    }
  }
  return names;
}

/**
 * For each file with removed keys: the removed records grouped by school, grade and role, with the
 * first few of each group named; keys no source row maps to are counted as gone from the source.
 */
export async function describeRemovedRecords(
  session: SourceSession,
  plan: Plan,
  removedByFile: ReadonlyMap<string, readonly string[]>,
  options: { readonly idNamespaces?: IdNamespaces; readonly signal?: AbortSignal } = {},
): Promise<FileRemovals[]> {
  const out: FileRemovals[] = [];
  const schoolNames = await readSchoolNames(session, plan, options.signal);
  for (const file of plan.files) {
    const removedKeys = removedByFile.get(file.def.name);
    if (!removedKeys?.length) continue;
    const pending = new Set(removedKeys);
    const bySchool = new Groups();
    const byGrade = new Groups();
    const byRole = new Groups();
    const issues: TransformIssue[] = [];
    const values: string[] = new Array<string>(file.columns.length);
    for (const entity of file.entities) {
      if (!pending.size) break;
      const access = fieldAccess();
      const get = namespacedGetter(entity.entity, options.idNamespaces, access.get);
      const expand = entity.rowPer ? rowExpander(entity.rowPer) : undefined;
      const visit = (): void => {
        for (const i of file.keyIndexes) values[i] = entity.columns[i]!(get, issues);
        issues.length = 0;
        const key = file.keyIndexes.length === 1 ? values[file.keyIndexes[0]!]! : file.keyIndexes.map((i) => values[i]).join('\u001f');
        if (!pending.delete(key)) return;
        const d = describe(entity.entity, access.get, schoolNames);
        const record = { id: key.split('\u001f').join('+'), name: d.name };
        bySchool.add(d.school, record);
        byGrade.add(d.grade, record);
        byRole.add(d.role, record);
      };
      for await (const batch of readBatches(session, entity.request, { signal: options.signal })) {
        for (const row of batch.rows) {
          for (const one of expand ? expand(row) : [row]) {
            access.set(one);
            visit();
          }
        }
        if (!pending.size) break;
      }
    }
    out.push({
      file: file.def.name,
      removed: removedKeys.length,
      bySchool: bySchool.list(),
      byGrade: byGrade.list(),
      byRole: byRole.list(),
      notInSource: { count: pending.size, sampleIds: [...pending].slice(0, SAMPLE_MISSING).map((k) => k.split('\u001f').join('+')) },
    });
  }
  return out;
}
