// Invitations: creating and revoking them (/invites), and accepting one.
// English decides the keys; German, French and Italian must have exactly
// those keys (the `satisfies` says so). Composed in app/i18n/messages.ts.

export const invitesEn = {
  'invites.title': 'Invitations',
  'invites.email': 'E-mail address',
  'invites.role': 'Role',
  'invites.company': 'Company',
  'invites.noCompany': '— (operator roles)',
  'invites.create': 'Create invitation',
  'invites.created': 'Invitation created. Send this link to {email}; it works once and expires {expires}:',
  'invites.pending': 'Open invitations',
  'invites.expires': 'Expires',
  'invites.revoke': 'Revoke',
  'accept.title': 'Accept invitation',
  'accept.intro': 'You were invited as {role}{company}. Choose your name and password.',
  'accept.submit': 'Create my account',
  'accept.invalid': 'This invitation is invalid, already used or expired. Ask for a new one.',
} as const;

export const invitesDe = {
  'invites.title': 'Einladungen',
  'invites.email': 'E-Mail-Adresse',
  'invites.role': 'Rolle',
  'invites.company': 'Firma',
  'invites.noCompany': '— (Betreiberrollen)',
  'invites.create': 'Einladung erstellen',
  'invites.created': 'Einladung erstellt. Senden Sie diesen Link an {email}; er funktioniert einmal und läuft am {expires} ab:',
  'invites.pending': 'Offene Einladungen',
  'invites.expires': 'Läuft ab',
  'invites.revoke': 'Widerrufen',
  'accept.title': 'Einladung annehmen',
  'accept.intro': 'Sie wurden als {role}{company} eingeladen. Wählen Sie Ihren Namen und Ihr Passwort.',
  'accept.submit': 'Konto anlegen',
  'accept.invalid': 'Diese Einladung ist ungültig, benutzt oder abgelaufen. Bitten Sie um eine neue.',
} satisfies Record<keyof typeof invitesEn, string>;

export const invitesFr = {
  'invites.title': 'Invitations',
  'invites.email': 'Adresse e-mail',
  'invites.role': 'Rôle',
  'invites.company': 'Entreprise',
  'invites.noCompany': '— (rôles d’exploitation)',
  'invites.create': 'Créer l’invitation',
  'invites.created': 'Invitation créée. Envoyez ce lien à {email} ; il fonctionne une fois et expire le {expires} :',
  'invites.pending': 'Invitations en attente',
  'invites.expires': 'Expire le',
  'invites.revoke': 'Révoquer',
  'accept.title': 'Accepter l’invitation',
  'accept.intro': 'Vous avez été invité comme {role}{company}. Choisissez votre nom et votre mot de passe.',
  'accept.submit': 'Créer mon compte',
  'accept.invalid': 'Cette invitation est invalide, déjà utilisée ou expirée. Demandez-en une nouvelle.',
} satisfies Record<keyof typeof invitesEn, string>;

export const invitesIt = {
  'invites.title': 'Inviti',
  'invites.email': 'Indirizzo e-mail',
  'invites.role': 'Ruolo',
  'invites.company': 'Azienda',
  'invites.noCompany': '— (ruoli di gestione)',
  'invites.create': 'Crea invito',
  'invites.created': 'Invito creato. Invii questo link a {email}; funziona una volta e scade il {expires}:',
  'invites.pending': 'Inviti in sospeso',
  'invites.expires': 'Scade il',
  'invites.revoke': 'Revoca',
  'accept.title': 'Accettare l’invito',
  'accept.intro': 'È stato invitato come {role}{company}. Scelga il Suo nome e la Sua password.',
  'accept.submit': 'Crea il mio account',
  'accept.invalid': 'Questo invito non è valido, è già stato usato o è scaduto. Ne chieda uno nuovo.',
} satisfies Record<keyof typeof invitesEn, string>;
