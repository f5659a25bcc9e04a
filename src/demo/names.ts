/**
 * Name pools for the synthetic district. Deliberately diverse: accents (José, Zoë, Nguyễn),
 * apostrophes (O'Brien), spaces and hyphens (De La Cruz, Lopez-Rivera) — the values vendors'
 * importers choke on.
 */

export const FEMALE_FIRST = [
  'Emma', 'Olivia', 'Ava', 'Sophia', 'Isabella', 'Mia', 'Amelia', 'Harper', 'Evelyn', 'Abigail', 'Emily', 'Madison',
  'Chloé', 'Zoë', 'Sofía', 'Renée', 'María', 'Ana', 'Guadalupe', 'Ximena', 'Aaliyah', 'Fatima', 'Amina', 'Hana',
  'Mai', 'Linh', 'Thảo', 'Priya', 'Aisha', 'Leila', 'Noor', 'Grace', 'Lily', 'Hannah', 'Nora', 'Ella', 'Camila',
  'Valentina', 'Daniela', 'Naomi', 'Ruth', 'Siobhán', 'Maeve', 'Ngọc', 'Yuki', 'Mei', 'Xin', 'Svetlana', 'Anastasia',
  'Hodan', 'Ayan', 'Brianna', 'Jasmine', 'Keisha', 'Destiny', 'Kaylee', 'Avery', 'Riley', 'Charlotte', 'Scarlett',
] as const;

export const MALE_FIRST = [
  'Liam', 'Noah', 'Oliver', 'Elijah', 'James', 'William', 'Benjamin', 'Lucas', 'Henry', 'Alexander', 'José', 'Jesús',
  'Luis', 'Carlos', 'Juan', 'Diego', 'Mateo', 'Santiago', 'André', 'François', 'Jürgen', 'Mohamed', 'Ahmed', 'Omar',
  'Ali', 'Minh', 'Huy', 'Đức', 'Bảo', 'Wei', 'Hiroshi', 'Raj', 'Arjun', 'Dmitri', 'Ivan', 'Sergei', 'Abdi', 'Mahad',
  'Kwame', 'Tyrone', 'DeShawn', 'Jamal', 'Ethan', 'Mason', 'Logan', 'Jackson', 'Aiden', 'Caleb', 'Connor', 'Seán',
  'Patrick', 'Declan', 'Søren', 'Tomás', 'Joaquín', 'Ángel', 'Rafael', 'Isaiah', 'Gabriel', 'Samuel',
] as const;

export const LAST_NAMES = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'García', 'Miller', 'Davis', 'Rodríguez', 'Martínez',
  'Hernández', 'López', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee',
  'Pérez', 'Thompson', 'White', 'Harris', 'Sánchez', 'Clark', 'Ramírez', 'Lewis', 'Robinson', 'Walker', 'Young',
  'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hill', 'Flores', 'Green',
  'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts', "O'Brien", "O'Connor",
  "O'Neil", "D'Angelo", "D'Souza", 'McDonald', 'MacLeod', 'Muñoz', 'Peña', 'Ibáñez', 'Núñez', 'Kim', 'Park', 'Chen',
  'Wang', 'Li', 'Zhang', 'Patel', 'Shah', 'Singh', 'Khan', 'Ali', 'Hassan', 'Mohamud', 'Warsame', 'Ivanov', 'Petrov',
  'Kowalski', 'Nowak', 'Müller', 'Schäfer', 'Van der Berg', 'St. John', 'De La Cruz', 'Lopez-Rivera', 'Smith-Jones',
  'Johansson', 'Okafor', 'Mensah', 'Begay', 'Yazzie', 'Running Bear', 'Kealoha', 'Goldberg', 'Cohen', 'Russo',
] as const;

/** Appended to a last name as a real SIS stores it: "García, Jr." (a comma inside the value). */
export const SUFFIXES = [', Jr.', ', Sr.', ', II', ', III'] as const;

/** Nicknames some SIS clerks type into the first-name field in double quotes: `Robert "Bobby"`. */
export const QUOTED_NICKNAMES = ['Bobby', 'Bea', 'Tito', 'Lulu', 'Junior', 'Mimi', 'Chip', 'Nene', 'Pepe', 'Dee'] as const;

/** Short preferred names. */
export const PREFERRED = ['Sam', 'Alex', 'Max', 'Kate', 'Liz', 'Tony', 'Nico', 'Dani', 'Jojo', 'Bea', 'Manny', 'Izzy', 'Vic', 'Ty'] as const;

export const SCHOOL_NAMES = [
  'Lincoln', 'Cedar Ridge', "O'Keeffe", 'César Chávez', 'Riverside', 'Maple Grove', 'Sacagawea', 'Roosevelt',
  'Willamette', 'Harriet Tubman', 'Oak Hollow', 'Sunnyside', 'Eastgate', 'Lakeview', 'Mount Hood', 'Pioneer',
  'Frederick Douglass', 'Juniper', 'Hawthorne', 'Bridgeport', 'Sequoia', 'Evergreen', 'Columbia', 'Willow Creek',
] as const;

export const STREETS = ['Main St', 'Oak Ave', 'NE Broadway', 'SE Division St', 'Elm St', 'Cedar Ln', 'Hillside Dr', 'Park Blvd', 'SW 5th Ave', 'River Rd'] as const;

/** Household languages as a SIS stores them: words, not codes (a value map turns them into codes). */
export const LANGUAGES: readonly (readonly [string, number])[] = [
  ['English', 74], ['Spanish', 15], ['Vietnamese', 3], ['Russian', 2], ['Somali', 2], ['Arabic', 1.5], ['Chinese (Mandarin)', 1.5], ['Ukrainian', 1],
];

const slugCache = new Map<string, string>();

/** Strips accents and anything not a letter or digit, lower-cased: for logins and e-mail addresses. */
export function asciiSlug(value: string): string {
  const cached = slugCache.get(value);
  if (cached !== undefined) return cached;
  const slug = value
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/gi, 'd')
    .replace(/ø/gi, 'o')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
  // Names come from small pools: the cache stays small (bounded anyway).
  if (slugCache.size < 10_000) slugCache.set(value, slug);
  return slug;
}
