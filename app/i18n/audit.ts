// The audit log (/audit) and a customer's document access log (/access-log).
// English decides the keys; German, French and Italian must have exactly
// those keys (the `satisfies` says so). Composed in app/i18n/messages.ts.

export const auditEn = {
  'audit.title': 'Audit log',
  'accessLog.title': 'Who accessed our documents',
  'accessLog.intro': "Every download and view of your company's documents, from the audit trail. Only access events of your company are shown.",
  'audit.actor': 'Actor',
  'audit.action': 'Action',
  'audit.entityType': 'Entity type',
  'audit.entityId': 'Entity id',
  'audit.from': 'From',
  'audit.to': 'To',
  'audit.filter': 'Filter',
  'audit.exportCsv': 'Export CSV',
  'audit.exportJson': 'Export JSON',
  'audit.time': 'Time (UTC)',
  'audit.entity': 'Entity',
  'audit.outcome': 'Outcome',
} as const;

export const auditDe = {
  'audit.title': 'Audit-Protokoll',
  'accessLog.title': 'Wer auf unsere Dokumente zugegriffen hat',
  'accessLog.intro': 'Jeder Download und jede Ansicht der Dokumente Ihrer Firma, aus dem Audit-Protokoll. Es werden nur Zugriffe auf Ihre Firma gezeigt.',
  'audit.actor': 'Akteur',
  'audit.action': 'Aktion',
  'audit.entityType': 'Objektart',
  'audit.entityId': 'Objekt-ID',
  'audit.from': 'Von',
  'audit.to': 'Bis',
  'audit.filter': 'Filtern',
  'audit.exportCsv': 'Als CSV exportieren',
  'audit.exportJson': 'Als JSON exportieren',
  'audit.time': 'Zeit (UTC)',
  'audit.entity': 'Objekt',
  'audit.outcome': 'Ergebnis',
} satisfies Record<keyof typeof auditEn, string>;

export const auditFr = {
  'audit.title': 'Journal d’audit',
  'accessLog.title': 'Qui a consulté nos documents',
  'accessLog.intro': 'Chaque téléchargement et chaque consultation des documents de votre entreprise, tirés du journal d’audit. Seuls les accès concernant votre entreprise sont affichés.',
  'audit.actor': 'Auteur',
  'audit.action': 'Action',
  'audit.entityType': 'Type d’objet',
  'audit.entityId': 'ID d’objet',
  'audit.from': 'Du',
  'audit.to': 'Au',
  'audit.filter': 'Filtrer',
  'audit.exportCsv': 'Exporter en CSV',
  'audit.exportJson': 'Exporter en JSON',
  'audit.time': 'Heure (UTC)',
  'audit.entity': 'Objet',
  'audit.outcome': 'Résultat',
} satisfies Record<keyof typeof auditEn, string>;

export const auditIt = {
  'audit.title': 'Registro di audit',
  'accessLog.title': 'Chi ha consultato i nostri documenti',
  'accessLog.intro': 'Ogni download e ogni visualizzazione dei documenti della Sua azienda, dal registro di audit. Sono mostrati solo gli accessi relativi alla Sua azienda.',
  'audit.actor': 'Autore',
  'audit.action': 'Azione',
  'audit.entityType': 'Tipo di oggetto',
  'audit.entityId': 'ID oggetto',
  'audit.from': 'Dal',
  'audit.to': 'Al',
  'audit.filter': 'Filtra',
  'audit.exportCsv': 'Esporta CSV',
  'audit.exportJson': 'Esporta JSON',
  'audit.time': 'Ora (UTC)',
  'audit.entity': 'Oggetto',
  'audit.outcome': 'Esito',
} satisfies Record<keyof typeof auditEn, string>;
