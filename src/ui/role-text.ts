import type { Role } from './services';

export const ROLE_LABEL: Record<Role, string> = { write: 'Write', read: 'Read', store: 'Store' };

/** What a role lets this device do, in plain words. */
export const ROLE_MEANING: Record<Role, string> = {
  write: 'You can change the files. Everyone who has a link to this share receives your changes.',
  read: 'You receive the files and can open them. Changes you make here are never sent to others.',
  store:
    'This device keeps an encrypted copy for the others. It cannot see file names or contents.',
};

/** What handing out each kind of link gives the receiver. */
export const LINK_MEANING: Record<Role, string> = {
  write:
    'Gives full control: whoever has it can change and delete files. Keep it private, or share it only with people you trust completely.',
  read: 'Lets people receive and open the files, but not change them.',
  store:
    'Lets a device or server keep an encrypted backup that it cannot read. Good for an always-on computer.',
};
