import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { errorMessage, type Api } from './api';

/** Thumbs, a 1–5 rating and a comment on one reply (`POST /v1/turns/{turnId}/feedback`). */
export function Feedback(props: { api: Api; turnId: string }): ReactNode {
  const id = useId();
  const [thumbs, setThumbs] = useState<'up' | 'down' | undefined>();
  const [rating, setRating] = useState<number | undefined>();
  const [comment, setComment] = useState('');
  const [state, setState] = useState<'idle' | 'sending' | 'sent'>('idle');
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (thumbs === undefined && rating === undefined && !comment.trim()) {
      setError('Choose thumbs, a rating or write a comment.');
      return;
    }
    setState('sending');
    setError(null);
    try {
      await props.api.turnFeedback(props.turnId, {
        ...(thumbs ? { thumbs } : {}),
        ...(rating ? { rating } : {}),
        ...(comment.trim() ? { comment: comment.trim() } : {}),
      });
      setState('sent');
    } catch (e) {
      setError(errorMessage(e));
      setState('idle');
    }
  };

  if (state === 'sent') {
    return (
      <p role="status" className="thanks">
        Thanks for the feedback
      </p>
    );
  }
  return (
    <form className="feedback" onSubmit={(e) => void submit(e)} aria-label="Feedback">
      <div className="row">
        <button
          type="button"
          className="icon"
          aria-pressed={thumbs === 'up'}
          onClick={() => setThumbs(thumbs === 'up' ? undefined : 'up')}
        >
          Thumbs up
        </button>
        <button
          type="button"
          className="icon"
          aria-pressed={thumbs === 'down'}
          onClick={() => setThumbs(thumbs === 'down' ? undefined : 'down')}
        >
          Thumbs down
        </button>
        <fieldset className="rating">
          <legend>Rating</legend>
          {[1, 2, 3, 4, 5].map((n) => (
            <label key={n} className="inline">
              <input
                type="radio"
                name={`${id}-rating`}
                value={n}
                checked={rating === n}
                onChange={() => setRating(n)}
              />
              {n}
            </label>
          ))}
        </fieldset>
      </div>
      <label htmlFor={`${id}-comment`}>Comment</label>
      <input
        id={`${id}-comment`}
        value={comment}
        maxLength={2000}
        onChange={(e) => setComment(e.target.value)}
      />
      <div className="row">
        <button type="submit" className="secondary" disabled={state === 'sending'}>
          Submit feedback
        </button>
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}
