// Keys and encryption: the owner's crypto-shredding page (app/keys/).
export const keysEn = {
  'error.code.company_shredded': 'This company’s data was destroyed (crypto-shredded): it can no longer be read by anyone.',
  'keys.enterConfirmation': 'type the company’s name or id',
  'keys.shred': 'Crypto-shred this company',
  'keys.shredTitle': 'Crypto-shred {name}',
  'keys.shredWarning': 'This destroys every version of this company’s data key for good. Its encrypted fields (addresses, messages, notes, report texts) and its documents can no longer be read by anyone, Kastell included.',
  'keys.shredBackups': 'Backups are ciphertext under the same key, so they become unreadable too. This cannot be undone. The action is recorded in the audit trail.',
  'keys.shredConfirm': 'Type the company’s name or id to confirm',
  'keys.shredButton': 'Destroy the key',
  'keys.shredMismatch': 'That is not this company’s name or id: nothing was destroyed.',
  'keys.shredDone': '{count} key version(s) destroyed.',
  'keys.shredRefresh': 'Refresh the off-box copy of the key store now: an older copy still holds the key.',
} as const;

export const keysDe = {
  'error.code.company_shredded': 'Die Daten dieser Firma wurden vernichtet (kryptografisch gelöscht): Niemand kann sie mehr lesen.',
  'keys.enterConfirmation': 'Geben Sie den Namen oder die ID der Firma ein',
  'keys.shred': 'Diese Firma kryptografisch löschen',
  'keys.shredTitle': '{name} kryptografisch löschen',
  'keys.shredWarning': 'Damit wird jede Version des Datenschlüssels dieser Firma endgültig vernichtet. Ihre verschlüsselten Felder (Adressen, Nachrichten, Notizen, Rapporttexte) und ihre Dokumente kann danach niemand mehr lesen, auch Kastell nicht.',
  'keys.shredBackups': 'Sicherungen sind mit demselben Schlüssel verschlüsselt und werden ebenfalls unlesbar. Das lässt sich nicht rückgängig machen. Die Aktion wird im Prüfprotokoll festgehalten.',
  'keys.shredConfirm': 'Zur Bestätigung den Namen oder die ID der Firma eingeben',
  'keys.shredButton': 'Schlüssel vernichten',
  'keys.shredMismatch': 'Das ist nicht der Name oder die ID dieser Firma: Es wurde nichts vernichtet.',
  'keys.shredDone': '{count} Schlüsselversion(en) vernichtet.',
  'keys.shredRefresh': 'Erneuern Sie jetzt die ausgelagerte Kopie des Schlüsselspeichers: Eine ältere Kopie enthält den Schlüssel noch.',
} as const satisfies Record<keyof typeof keysEn, string>;

export const keysFr = {
  'error.code.company_shredded': 'Les données de cette entreprise ont été détruites (effacement par destruction de clé) : plus personne ne peut les lire.',
  'keys.enterConfirmation': 'saisissez le nom ou l’identifiant de l’entreprise',
  'keys.shred': 'Effacer cette entreprise par destruction de clé',
  'keys.shredTitle': 'Effacer {name} par destruction de clé',
  'keys.shredWarning': 'Cette action détruit définitivement toutes les versions de la clé de données de cette entreprise. Ses champs chiffrés (adresses, messages, notes, textes des rapports) et ses documents ne pourront plus être lus par personne, Kastell compris.',
  'keys.shredBackups': 'Les sauvegardes sont chiffrées avec la même clé et deviennent elles aussi illisibles. Cette action est irréversible. Elle est consignée dans le journal d’audit.',
  'keys.shredConfirm': 'Saisissez le nom ou l’identifiant de l’entreprise pour confirmer',
  'keys.shredButton': 'Détruire la clé',
  'keys.shredMismatch': 'Ce n’est ni le nom ni l’identifiant de cette entreprise : rien n’a été détruit.',
  'keys.shredDone': '{count} version(s) de clé détruite(s).',
  'keys.shredRefresh': 'Renouvelez maintenant la copie externe du magasin de clés : une copie plus ancienne contient encore la clé.',
} as const satisfies Record<keyof typeof keysEn, string>;

export const keysIt = {
  'error.code.company_shredded': 'I dati di questa azienda sono stati distrutti (cancellazione crittografica): nessuno può più leggerli.',
  'keys.enterConfirmation': 'digiti il nome o l’identificativo dell’azienda',
  'keys.shred': 'Cancellare questa azienda distruggendone la chiave',
  'keys.shredTitle': 'Cancellare {name} distruggendone la chiave',
  'keys.shredWarning': 'Questa azione distrugge per sempre tutte le versioni della chiave dati di questa azienda. I suoi campi cifrati (indirizzi, messaggi, note, testi dei rapporti) e i suoi documenti non potranno più essere letti da nessuno, nemmeno da Kastell.',
  'keys.shredBackups': 'I backup sono cifrati con la stessa chiave e diventano anch’essi illeggibili. L’azione è irreversibile ed è registrata nel registro di audit.',
  'keys.shredConfirm': 'Digiti il nome o l’identificativo dell’azienda per confermare',
  'keys.shredButton': 'Distruggere la chiave',
  'keys.shredMismatch': 'Non è il nome né l’identificativo di questa azienda: nulla è stato distrutto.',
  'keys.shredDone': '{count} versione/i della chiave distrutta/e.',
  'keys.shredRefresh': 'Rinnovi ora la copia esterna dell’archivio delle chiavi: una copia più vecchia contiene ancora la chiave.',
} as const satisfies Record<keyof typeof keysEn, string>;
