// Customer companies (/companies).
// English decides the keys; German, French and Italian must have exactly
// those keys (the `satisfies` says so). Composed in app/i18n/messages.ts.

export const companiesEn = {
  'companies.title': 'Customer companies',
  'companies.new': 'New company',
  'companies.name': 'Name',
  'companies.customerNumber': 'Customer number',
  'companies.none': 'No companies yet.',
  'companies.create': 'Create company',
  'companies.edit': 'Edit company',
} as const;

export const companiesDe = {
  'companies.title': 'Kundenfirmen',
  'companies.new': 'Neue Firma',
  'companies.name': 'Name',
  'companies.customerNumber': 'Kundennummer',
  'companies.none': 'Noch keine Firmen.',
  'companies.create': 'Firma anlegen',
  'companies.edit': 'Firma bearbeiten',
} satisfies Record<keyof typeof companiesEn, string>;

export const companiesFr = {
  'companies.title': 'Entreprises clientes',
  'companies.new': 'Nouvelle entreprise',
  'companies.name': 'Nom',
  'companies.customerNumber': 'Numéro de client',
  'companies.none': 'Aucune entreprise pour l’instant.',
  'companies.create': 'Créer l’entreprise',
  'companies.edit': 'Modifier l’entreprise',
} satisfies Record<keyof typeof companiesEn, string>;

export const companiesIt = {
  'companies.title': 'Aziende clienti',
  'companies.new': 'Nuova azienda',
  'companies.name': 'Nome',
  'companies.customerNumber': 'Numero cliente',
  'companies.none': 'Ancora nessuna azienda.',
  'companies.create': 'Crea azienda',
  'companies.edit': 'Modifica azienda',
} satisfies Record<keyof typeof companiesEn, string>;
