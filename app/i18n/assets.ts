// The assets at a site.
// English decides the keys; German, French and Italian must have exactly
// those keys (the `satisfies` says so). Composed in app/i18n/messages.ts.

export const assetsEn = {
  'assets.title': 'Assets',
  'assets.name': 'Asset name',
  'assets.kind': 'Kind',
  'assets.serialNumber': 'Serial number',
  'assets.none': 'No assets at this site yet.',
  'assets.create': 'Add asset',
  'assets.edit': 'Edit asset',
} as const;

export const assetsDe = {
  'assets.title': 'Anlagen',
  'assets.name': 'Name der Anlage',
  'assets.kind': 'Art',
  'assets.serialNumber': 'Seriennummer',
  'assets.none': 'An diesem Standort gibt es noch keine Anlagen.',
  'assets.create': 'Anlage hinzufügen',
  'assets.edit': 'Anlage bearbeiten',
} satisfies Record<keyof typeof assetsEn, string>;

export const assetsFr = {
  'assets.title': 'Équipements',
  'assets.name': 'Nom de l’équipement',
  'assets.kind': 'Type',
  'assets.serialNumber': 'Numéro de série',
  'assets.none': 'Aucun équipement sur ce site pour l’instant.',
  'assets.create': 'Ajouter l’équipement',
  'assets.edit': 'Modifier l’équipement',
} satisfies Record<keyof typeof assetsEn, string>;

export const assetsIt = {
  'assets.title': 'Impianti',
  'assets.name': 'Nome dell’impianto',
  'assets.kind': 'Tipo',
  'assets.serialNumber': 'Numero di serie',
  'assets.none': 'Ancora nessun impianto in questa sede.',
  'assets.create': 'Aggiungi impianto',
  'assets.edit': 'Modifica impianto',
} satisfies Record<keyof typeof assetsEn, string>;
