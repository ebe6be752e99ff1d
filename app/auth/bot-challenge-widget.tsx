// The bot challenge inside a form (app/auth/bot-challenge.ts): a labelled
// group with the hidden solution field, a button (shown once the script runs)
// and a status line read out by screen readers; without JavaScript a note
// says to wait instead. Only rendered once the challenge is asked.
import type { Context } from 'hono';
import type { AppEnv } from '../http/context.ts';
import { solutionField, type BotChallengeEndpoint } from './bot-challenge.ts';

export function BotChallengeWidget({ c, endpoint }: { c: Context<AppEnv>; endpoint: BotChallengeEndpoint }) {
  const t = c.get('t');
  return (
    <>
      <div class="bot-challenge" role="group" aria-labelledby="bot-challenge-label" data-bot-challenge={endpoint}
        data-working={t('challenge.working')} data-done={t('challenge.done')} data-failed={t('challenge.failed')} data-wait={t('challenge.wait')}>
        <p id="bot-challenge-label">{t('challenge.label')}</p>
        <input type="hidden" name={solutionField} value="" />
        <p><button type="button" data-bot-challenge-start hidden aria-describedby="bot-challenge-status">{t('challenge.start')}</button></p>
        <p id="bot-challenge-status" role="status" aria-live="polite">{t('challenge.waiting')}</p>
        <noscript><p>{t('challenge.noScript')}</p></noscript>
      </div>
      <script src="/assets/bot-challenge.js" nonce={c.get('nonce')} defer />
    </>
  );
}
