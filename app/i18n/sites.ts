// A company's sites.
// English decides the keys; German, French and Italian must have exactly
// those keys (the `satisfies` says so). Composed in app/i18n/messages.ts.

export const sitesEn = {
  'sites.title': 'Sites',
  'sites.new': 'New site',
  'sites.name': 'Site name',
  'sites.street': 'Street',
  'sites.postalCode': 'Postal code',
  'sites.city': 'City',
  'sites.country': 'Country (2 letters)',
  'sites.none': 'No sites yet.',
  'sites.create': 'Add site',
  'sites.edit': 'Edit site',
} as const;

export const sitesDe = {
  'sites.title': 'Standorte',
  'sites.new': 'Neuer Standort',
  'sites.name': 'Name des Standorts',
  'sites.street': 'Strasse',
  'sites.postalCode': 'PLZ',
  'sites.city': 'Ort',
  'sites.country': 'Land (2 Buchstaben)',
  'sites.none': 'Noch keine Standorte.',
  'sites.create': 'Standort hinzufügen',
  'sites.edit': 'Standort bearbeiten',
} satisfies Record<keyof typeof sitesEn, string>;

export const sitesFr = {
  'sites.title': 'Sites',
  'sites.new': 'Nouveau site',
  'sites.name': 'Nom du site',
  'sites.street': 'Rue',
  'sites.postalCode': 'NPA / code postal',
  'sites.city': 'Localité',
  'sites.country': 'Pays (2 lettres)',
  'sites.none': 'Aucun site pour l’instant.',
  'sites.create': 'Ajouter le site',
  'sites.edit': 'Modifier le site',
} satisfies Record<keyof typeof sitesEn, string>;

export const sitesIt = {
  'sites.title': 'Sedi',
  'sites.new': 'Nuova sede',
  'sites.name': 'Nome della sede',
  'sites.street': 'Via',
  'sites.postalCode': 'NPA / CAP',
  'sites.city': 'Località',
  'sites.country': 'Paese (2 lettere)',
  'sites.none': 'Ancora nessuna sede.',
  'sites.create': 'Aggiungi sede',
  'sites.edit': 'Modifica sede',
} satisfies Record<keyof typeof sitesEn, string>;
