// The proof-of-work bot challenge (app/auth/bot-challenge.ts) on sign-in,
// password reset and invitation acceptance: the widget's label, button and
// status lines, and the refusals. English decides the keys; German, French
// and Italian must have exactly those keys. Composed in app/i18n/messages.ts.

export const botChallengeEn = {
  'challenge.label': 'Because of many failed attempts, your browser must first solve a short computing task. It runs here, on this page, and takes a few seconds; no one else is asked.',
  'challenge.start': 'Check that I am not a bot',
  'challenge.waiting': 'The check starts by itself; or press the button.',
  'challenge.working': 'Checking… this takes a few seconds.',
  'challenge.done': 'Check done: you can continue.',
  'challenge.failed': 'The check did not work. Press the button to try again.',
  'challenge.wait': 'Wait until the check is done; the form is then sent by itself.',
  'challenge.noScript': 'This check needs JavaScript. Without it, wait up to 30 minutes and try again.',
  'challenge.required': 'Because of many failed attempts, the check below must be done first (or wait up to 30 minutes and try again).',
  'challenge.invalid': 'The check was not valid, already used or too old. It runs again: then continue.',
} as const;

export const botChallengeDe = {
  'challenge.label': 'Wegen vieler fehlgeschlagener Versuche muss Ihr Browser zuerst eine kurze Rechenaufgabe lösen. Sie läuft hier, auf dieser Seite, und dauert einige Sekunden; niemand sonst wird gefragt.',
  'challenge.start': 'Prüfen, dass ich kein Bot bin',
  'challenge.waiting': 'Die Prüfung beginnt von selbst; oder drücken Sie die Schaltfläche.',
  'challenge.working': 'Prüfung läuft… das dauert einige Sekunden.',
  'challenge.done': 'Prüfung abgeschlossen: Sie können fortfahren.',
  'challenge.failed': 'Die Prüfung hat nicht funktioniert. Drücken Sie die Schaltfläche, um es erneut zu versuchen.',
  'challenge.wait': 'Warten Sie, bis die Prüfung abgeschlossen ist; das Formular wird dann von selbst gesendet.',
  'challenge.noScript': 'Diese Prüfung braucht JavaScript. Ohne warten Sie bis zu 30 Minuten und versuchen es erneut.',
  'challenge.required': 'Wegen vieler fehlgeschlagener Versuche muss zuerst die Prüfung unten abgeschlossen werden (oder warten Sie bis zu 30 Minuten und versuchen es erneut).',
  'challenge.invalid': 'Die Prüfung war ungültig, schon benutzt oder zu alt. Sie läuft erneut: fahren Sie danach fort.',
} satisfies Record<keyof typeof botChallengeEn, string>;

export const botChallengeFr = {
  'challenge.label': 'En raison de nombreuses tentatives échouées, votre navigateur doit d’abord résoudre une courte tâche de calcul. Elle s’exécute ici, sur cette page, et prend quelques secondes ; personne d’autre n’est sollicité.',
  'challenge.start': 'Vérifier que je ne suis pas un robot',
  'challenge.waiting': 'La vérification démarre d’elle-même ; ou appuyez sur le bouton.',
  'challenge.working': 'Vérification en cours… cela prend quelques secondes.',
  'challenge.done': 'Vérification terminée : vous pouvez continuer.',
  'challenge.failed': 'La vérification n’a pas fonctionné. Appuyez sur le bouton pour réessayer.',
  'challenge.wait': 'Attendez la fin de la vérification ; le formulaire est alors envoyé de lui-même.',
  'challenge.noScript': 'Cette vérification nécessite JavaScript. Sans lui, attendez jusqu’à 30 minutes et réessayez.',
  'challenge.required': 'En raison de nombreuses tentatives échouées, la vérification ci-dessous doit d’abord être faite (ou attendez jusqu’à 30 minutes et réessayez).',
  'challenge.invalid': 'La vérification n’était pas valable, déjà utilisée ou trop ancienne. Elle recommence : continuez ensuite.',
} satisfies Record<keyof typeof botChallengeEn, string>;

export const botChallengeIt = {
  'challenge.label': 'A causa di molti tentativi falliti, il suo browser deve prima risolvere un breve compito di calcolo. Viene eseguito qui, su questa pagina, e richiede alcuni secondi; nessun altro viene interpellato.',
  'challenge.start': 'Verificare che non sono un bot',
  'challenge.waiting': 'La verifica parte da sola; oppure prema il pulsante.',
  'challenge.working': 'Verifica in corso… richiede alcuni secondi.',
  'challenge.done': 'Verifica conclusa: può continuare.',
  'challenge.failed': 'La verifica non è riuscita. Prema il pulsante per riprovare.',
  'challenge.wait': 'Attenda la fine della verifica; il modulo viene poi inviato da solo.',
  'challenge.noScript': 'Questa verifica richiede JavaScript. Senza, attenda fino a 30 minuti e riprovi.',
  'challenge.required': 'A causa di molti tentativi falliti, occorre prima completare la verifica qui sotto (oppure attenda fino a 30 minuti e riprovi).',
  'challenge.invalid': 'La verifica non era valida, già usata o troppo vecchia. Riparte: poi continui.',
} satisfies Record<keyof typeof botChallengeEn, string>;
