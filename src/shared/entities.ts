/**
 * The canonical SIS fields RosterSync suggests for each entity. An admin's query may return
 * other names (the mapping wizard maps them); the demo district and the built-in formats'
 * default mappings use these. Multi-valued fields hold values separated by `;`.
 */
import type { Entity } from './format.js';

export const MULTI_SEPARATOR = ';';

export const CANONICAL_FIELDS: Readonly<Record<Entity, readonly string[]>> = {
  schools: ['school_code', 'name', 'state_id', 'phone', 'address', 'city', 'state', 'zip', 'low_grade', 'high_grade', 'principal_email'],
  terms: ['term_id', 'title', 'type', 'start_date', 'end_date', 'school_year', 'parent_id'],
  courses: ['course_id', 'title', 'course_code', 'grades', 'school_code', 'subjects', 'school_year_id'],
  classes: ['class_id', 'title', 'course_id', 'class_code', 'class_type', 'school_code', 'term_ids', 'grades', 'subjects', 'periods', 'room', 'teacher_id', 'licensed'],
  students: [
    'student_id', 'school_codes', 'state_id', 'first_name', 'middle_name', 'last_name', 'preferred_name', 'email', 'username', 'password', 'grade',
    'birth_date', 'gender', 'phone', 'sms', 'language', 'guardian_ids', 'ethnicity', 'race', 'hispanic', 'english_learner', 'migrant',
    'gifted', 'special_ed', 'economically_disadvantaged', 'homeless', 'foster', 'enabled',
  ],
  teachers: ['teacher_id', 'school_codes', 'state_id', 'first_name', 'middle_name', 'last_name', 'email', 'username', 'phone', 'title', 'role', 'enabled'],
  guardians: ['guardian_id', 'student_ids', 'school_codes', 'first_name', 'last_name', 'email', 'phone', 'sms', 'language', 'relationship'],
  enrollments: ['enrollment_id', 'class_id', 'user_id', 'role', 'school_code', 'primary', 'begin_date', 'end_date'],
  roster: [
    'school_code', 'school_name', 'teacher_id', 'teacher_email', 'teacher_first_name', 'teacher_last_name', 'class_id', 'class_name', 'course_id',
    'student_id', 'student_first_name', 'student_last_name', 'student_email', 'student_grade', 'student_enabled',
  ],
};

/** The field that identifies a record of each entity (for findings' `origin`). */
export const ENTITY_KEY: Readonly<Record<Entity, string>> = {
  schools: 'school_code',
  terms: 'term_id',
  courses: 'course_id',
  classes: 'class_id',
  students: 'student_id',
  teachers: 'teacher_id',
  guardians: 'guardian_id',
  enrollments: 'enrollment_id',
  roster: 'class_id',
};

/** Canonical fields that hold several values joined with MULTI_SEPARATOR (a student's schools, a class's terms). */
export const MULTI_VALUED_FIELDS: ReadonlySet<string> = new Set(['school_codes', 'term_ids', 'grades', 'subjects', 'periods', 'guardian_ids', 'student_ids']);

/**
 * The canonical fields each entity needs for a valid roster delivery: the ones vendor formats
 * require (OneRoster 1.1 sourcedIds, names, references, term dates; a student's grade). A source is
 * complete when its query returns these; the suggestions are measured against them.
 */
export const REQUIRED_FIELDS: Readonly<Record<Entity, readonly string[]>> = {
  schools: ['school_code', 'name'],
  terms: ['term_id', 'title', 'type', 'start_date', 'end_date', 'school_year'],
  courses: ['course_id', 'title', 'school_code'],
  classes: ['class_id', 'title', 'course_id', 'school_code', 'term_ids'],
  students: ['student_id', 'school_codes', 'first_name', 'last_name', 'grade'],
  teachers: ['teacher_id', 'school_codes', 'first_name', 'last_name'],
  guardians: ['guardian_id', 'student_ids', 'first_name', 'last_name'],
  enrollments: ['enrollment_id', 'class_id', 'user_id', 'role', 'school_code'],
  roster: ['school_code', 'class_id', 'student_id', 'teacher_id'],
};
