// Privacy: the person's own data download (on "My security") and the
// admin's export for a person (users page).
export const privacyEn = {
  'privacy.title': 'Your data',
  'privacy.download': 'Download everything Kastell holds about you',
  'privacy.downloadHint': 'A ZIP file: your data as JSON, the files you uploaded and the reports you signed. The download is recorded in the audit trail.',
  'privacy.exportFor': 'Export data',
} as const;

export const privacyDe = {
  'privacy.title': 'Ihre Daten',
  'privacy.download': 'Alles herunterladen, was Kastell über Sie speichert',
  'privacy.downloadHint': 'Eine ZIP-Datei: Ihre Daten als JSON, die von Ihnen hochgeladenen Dateien und die von Ihnen unterschriebenen Rapporte. Der Download wird im Prüfprotokoll festgehalten.',
  'privacy.exportFor': 'Daten exportieren',
} as const satisfies Record<keyof typeof privacyEn, string>;

export const privacyFr = {
  'privacy.title': 'Vos données',
  'privacy.download': 'Télécharger tout ce que Kastell conserve à votre sujet',
  'privacy.downloadHint': 'Un fichier ZIP : vos données en JSON, les fichiers que vous avez déposés et les rapports que vous avez signés. Le téléchargement est consigné dans le journal d’audit.',
  'privacy.exportFor': 'Exporter les données',
} as const satisfies Record<keyof typeof privacyEn, string>;

export const privacyIt = {
  'privacy.title': 'I suoi dati',
  'privacy.download': 'Scaricare tutto ciò che Kastell conserva su di lei',
  'privacy.downloadHint': 'Un file ZIP: i suoi dati in JSON, i file che ha caricato e i rapporti che ha firmato. Lo scaricamento è registrato nel registro di audit.',
  'privacy.exportFor': 'Esportare i dati',
} as const satisfies Record<keyof typeof privacyEn, string>;
