// The one-time set-up link that creates the owner account.
// English decides the keys; German, French and Italian must have exactly
// those keys (the `satisfies` says so). Composed in app/i18n/messages.ts.

export const setupEn = {
  'setup.title': 'Set up Kastell',
  'setup.intro': 'Create the owner account of this installation. This link works once.',
  'setup.organisation': 'Organisation name',
  'setup.name': 'Your name',
  'setup.submit': 'Create owner account',
  'setup.invalid': 'This set-up link is invalid, already used or expired. Run "kastell owner create" for a new one.',
} as const;

export const setupDe = {
  'setup.title': 'Kastell einrichten',
  'setup.intro': 'Legen Sie das Eigentümerkonto dieser Installation an. Dieser Link funktioniert einmal.',
  'setup.organisation': 'Name der Organisation',
  'setup.name': 'Ihr Name',
  'setup.submit': 'Eigentümerkonto anlegen',
  'setup.invalid': 'Dieser Einrichtungslink ist ungültig, benutzt oder abgelaufen. "kastell owner create" erzeugt einen neuen.',
} satisfies Record<keyof typeof setupEn, string>;

export const setupFr = {
  'setup.title': 'Configurer Kastell',
  'setup.intro': 'Créez le compte propriétaire de cette installation. Ce lien ne fonctionne qu’une fois.',
  'setup.organisation': 'Nom de l’organisation',
  'setup.name': 'Votre nom',
  'setup.submit': 'Créer le compte propriétaire',
  'setup.invalid': 'Ce lien de configuration est invalide, déjà utilisé ou expiré. « kastell owner create » en crée un nouveau.',
} satisfies Record<keyof typeof setupEn, string>;

export const setupIt = {
  'setup.title': 'Configurare Kastell',
  'setup.intro': 'Crei l’account del proprietario di questa installazione. Questo link funziona una sola volta.',
  'setup.organisation': 'Nome dell’organizzazione',
  'setup.name': 'Il Suo nome',
  'setup.submit': 'Crea l’account del proprietario',
  'setup.invalid': 'Questo link di configurazione non è valido, è già stato usato o è scaduto. "kastell owner create" ne crea uno nuovo.',
} satisfies Record<keyof typeof setupEn, string>;
