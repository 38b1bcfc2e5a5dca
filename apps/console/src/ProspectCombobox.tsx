import { useEffect, useId, useState, type KeyboardEvent, type ReactNode } from 'react';
import { errorMessage, type Api, type CrmProspect } from './api';

const describe = (p: CrmProspect): string => `${p.name}, ${p.company}`;

/**
 * The "Prospect" combobox (ARIA 1.2 pattern): as the rep types, CRM contacts matching the text
 * (`GET /v1/crm/prospects`) are listed; arrows move, Enter picks, Escape closes. Typing again clears the pick.
 */
export function ProspectCombobox(props: {
  api: Api;
  picked: CrmProspect | null;
  onPick: (prospect: CrmProspect | null) => void;
}): ReactNode {
  const id = useId();
  const listId = `${id}-list`;
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const [options, setOptions] = useState<CrmProspect[]>([]);
  const [active, setActive] = useState(-1);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!open || props.picked) return;
    let cancelled = false;
    const timer = setTimeout(() => {
      props.api.searchProspects(text.trim()).then(
        (result) => {
          if (cancelled) return;
          setOptions(result.prospects);
          setActive(-1);
          setError(null);
        },
        (e: unknown) => {
          if (!cancelled) setError(errorMessage(e));
        },
      );
    }, 150);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [text, open, props.api, props.picked]);

  const pick = (prospect: CrmProspect): void => {
    props.onPick(prospect);
    setText(describe(prospect));
    setOpen(false);
    setActive(-1);
  };

  const expanded = open && options.length > 0;

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>): void => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (!open) {
        setOpen(true);
        return;
      }
      if (options.length === 0) return;
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((i) => (i + step + options.length) % options.length);
    } else if (event.key === 'Enter' && expanded) {
      event.preventDefault();
      const option = options[active >= 0 ? active : 0];
      if (option) pick(option);
    } else if (event.key === 'Escape' && expanded) {
      event.preventDefault();
      event.stopPropagation();
      setOpen(false);
    }
  };

  return (
    <div className="combobox">
      <label htmlFor={id}>Prospect</label>
      <input
        id={id}
        role="combobox"
        autoComplete="off"
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-activedescendant={expanded && active >= 0 ? `${listId}-${active}` : undefined}
        aria-describedby={`${id}-hint`}
        value={text}
        placeholder="Search the CRM by name, email or company"
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
          if (props.picked) props.onPick(null);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={onKeyDown}
      />
      <ul id={listId} role="listbox" aria-label="Prospects" hidden={!expanded}>
        {options.map((p, i) => (
          <li
            key={p.crmContactId}
            id={`${listId}-${i}`}
            role="option"
            aria-selected={i === active}
            className={i === active ? 'active' : undefined}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => pick(p)}
          >
            {p.name}, {p.company}
            {p.email && <span className="meta"> · {p.email}</span>}
          </li>
        ))}
      </ul>
      <p id={`${id}-hint`} className="meta">
        {props.picked
          ? `CRM contact: ${props.picked.name} (${props.picked.email ?? 'no email'}), ${props.picked.company}`
          : 'Or, for someone not in the CRM, enter the email or name below.'}
      </p>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </div>
  );
}
