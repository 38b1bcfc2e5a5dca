import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { errorMessage, type Api, type ConversationSummary, type CrmProspect, type Mode } from './api';
import { Dialog } from './Dialog';
import { ProspectCombobox } from './ProspectCombobox';
import { href, navigate, onLinkClick } from './router';

export function conversationLabel(c: {
  id: string;
  title?: string | null;
  prospect?: ConversationSummary['prospect'];
}): string {
  return (
    c.title ||
    c.prospect?.name ||
    c.prospect?.email ||
    c.prospect?.company ||
    `Conversation ${c.id.slice(0, 8)}`
  );
}

export function ConversationsPage(props: { api: Api }): ReactNode {
  const { api } = props;
  const [items, setItems] = useState<ConversationSummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);

  const load = useCallback(async () => {
    setError(null);
    try {
      setItems((await api.listConversations()).items);
    } catch (e) {
      setError(errorMessage(e));
    }
  }, [api]);
  useEffect(() => {
    void load();
  }, [load]);

  const close = useCallback(() => setCreating(false), []);

  return (
    <>
      <div className="page-head">
        <h1>Conversations</h1>
        <button type="button" onClick={() => setCreating(true)}>
          New conversation
        </button>
      </div>
      {error && (
        <div role="alert" className="error">
          {error}{' '}
          <button type="button" className="secondary" onClick={() => void load()}>
            Retry
          </button>
        </div>
      )}
      {items === null && !error && <p role="status">Loading conversations…</p>}
      {items !== null && items.length === 0 && <p className="empty">No conversations yet</p>}
      {items !== null && items.length > 0 && (
        <ul aria-label="Conversations" className="conversation-list">
          {items.map((c) => (
            <li key={c.id}>
              <a
                href={href(`/conversations/${c.id}`)}
                onClick={(e) => onLinkClick(e, `/conversations/${c.id}`)}
              >
                {conversationLabel(c)}
              </a>
              <span className="meta">
                {[
                  c.prospect?.company,
                  c.mode,
                  c.stage,
                  c.turnCount !== undefined ? `${c.turnCount} turns` : null,
                ]
                  .filter(Boolean)
                  .join(' · ')}
              </span>
            </li>
          ))}
        </ul>
      )}
      {creating && <NewConversationDialog api={api} onClose={close} />}
    </>
  );
}

function NewConversationDialog(props: { api: Api; onClose: () => void }): ReactNode {
  const [picked, setPicked] = useState<CrmProspect | null>(null);
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [mode, setMode] = useState<Mode>('autonomous');
  const [title, setTitle] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (!picked && !email.trim() && !name.trim()) {
      setError('Pick a CRM prospect, or enter the prospect’s email or name.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const created = await props.api.createConversation({
        prospect: picked
          ? {
              crmContactId: picked.crmContactId,
              ...(picked.email ? { email: picked.email } : {}),
              name: picked.name,
              company: picked.company,
            }
          : {
              ...(email.trim() ? { email: email.trim() } : {}),
              ...(name.trim() ? { name: name.trim() } : {}),
            },
        mode,
        ...(title.trim() ? { title: title.trim() } : {}),
      });
      props.onClose();
      navigate(`/conversations/${created.id}`, { created });
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  };

  return (
    <Dialog title="New conversation" onClose={props.onClose}>
      <form className="stack" onSubmit={(e) => void submit(e)}>
        <ProspectCombobox api={props.api} picked={picked} onPick={setPicked} />
        <label htmlFor="prospect-email">Prospect email</label>
        <input
          id="prospect-email"
          type="email"
          autoComplete="off"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <label htmlFor="prospect-name">Prospect name</label>
        <input id="prospect-name" autoComplete="off" value={name} onChange={(e) => setName(e.target.value)} />
        <fieldset>
          <legend>Mode</legend>
          <label className="inline">
            <input
              type="radio"
              name="mode"
              value="assist"
              checked={mode === 'assist'}
              onChange={() => setMode('assist')}
            />
            Assist
          </label>
          <label className="inline">
            <input
              type="radio"
              name="mode"
              value="autonomous"
              checked={mode === 'autonomous'}
              onChange={() => setMode('autonomous')}
            />
            Autonomous
          </label>
        </fieldset>
        <label htmlFor="conversation-title">Title</label>
        <input
          id="conversation-title"
          value={title}
          maxLength={200}
          onChange={(e) => setTitle(e.target.value)}
        />
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <div className="row">
          <button type="submit" disabled={busy}>
            Start
          </button>
          <button type="button" className="secondary" onClick={props.onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
