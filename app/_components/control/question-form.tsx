"use client";

import { useState } from "react";
import { questionsOf } from "@/lib/sessions/blocking-context";
import { dismissQuestion, type PendingRequest, replyQuestion } from "./api";
import { field, PRIMARY_ACTION, primaryButton, secondaryButton } from "./styles";
import { useCommand } from "./use-command";

/** The question's options (one or several per `multiple`) and a free answer, with Submit and Dismiss. */
export function QuestionForm({ sessionId, request }: { sessionId: string; request: PendingRequest }) {
  const questions = questionsOf(request.data);
  const { send, busy, error } = useCommand(sessionId);
  const [chosen, setChosen] = useState<string[][]>(() => questions.map(() => []));
  const [typed, setTyped] = useState<string[]>(() => questions.map(() => ""));
  const answers = questions.map((_, i) => [...chosen[i], ...(typed[i].trim() ? [typed[i].trim()] : [])]);
  const complete = questions.length > 0 && answers.every((a) => a.length > 0);

  const choose = (qi: number, label: string, multiple: boolean, on: boolean) =>
    setChosen((prev) =>
      prev.map((list, i) =>
        i !== qi ? list : multiple ? (on ? [...list, label] : list.filter((l) => l !== label)) : on ? [label] : [],
      ),
    );

  const submit = () => {
    if (complete && !busy) void send(() => replyQuestion(sessionId, request.id, answers));
  };

  return (
    <form
      data-testid="question-form"
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
      onKeyDown={(e) => {
        // Enter on an option submits, as it does in a text field.
        const target = e.target as HTMLInputElement;
        const form = e.currentTarget;
        if (e.key === "Enter" && (target.type === "radio" || target.type === "checkbox")) {
          e.preventDefault();
          if (!target.checked) target.click();
          // The click's state lands on the next render: submit from there.
          setTimeout(() => form.requestSubmit(), 0);
        }
      }}
    >
      {questions.map((q, qi) => {
        const multiple = q.multiple === true;
        return (
          <fieldset key={qi} className="space-y-1.5">
            <legend className="text-sm font-medium text-ink">
              {q.header && q.header !== q.question && <span className="mr-1 text-muted">{q.header}:</span>}
              {q.question}
              {multiple && <span className="ml-1 text-xs font-normal text-muted">(choose any)</span>}
            </legend>
            <div className="flex flex-wrap gap-2">
              {(q.options ?? []).map((option, oi) => (
                <label
                  key={option.label}
                  title={option.description}
                  className="inline-flex min-h-11 cursor-pointer items-center gap-2 rounded-md border border-line bg-surface px-3 text-sm text-ink has-checked:border-accent has-checked:bg-accent/10 has-focus-visible:ring-2 has-focus-visible:ring-accent/40 sm:min-h-8"
                >
                  <input
                    type={multiple ? "checkbox" : "radio"}
                    name={`${request.id}-${qi}`}
                    value={option.label}
                    checked={chosen[qi].includes(option.label)}
                    onChange={(e) => choose(qi, option.label, multiple, e.target.checked)}
                    className="accent-accent"
                    {...(qi === 0 && oi === 0 ? { [PRIMARY_ACTION]: "" } : {})}
                  />
                  {option.label}
                  {option.description && (
                    <span className="hidden text-xs text-muted sm:inline">{option.description}</span>
                  )}
                </label>
              ))}
            </div>
            {q.custom !== false && (
              <input
                value={typed[qi]}
                onChange={(e) => setTyped((prev) => prev.map((t, i) => (i === qi ? e.target.value : t)))}
                maxLength={4000}
                placeholder="Or type your own answer"
                aria-label={`Your own answer: ${q.question}`}
                className={`${field} max-w-xl text-ink`}
              />
            )}
          </fieldset>
        );
      })}
      <div className="flex flex-wrap gap-2">
        <button type="submit" disabled={busy || !complete} className={primaryButton}>
          Submit
        </button>
        <button
          type="button"
          disabled={busy}
          onClick={() => void send(() => dismissQuestion(sessionId, request.id))}
          className={secondaryButton}
        >
          Dismiss question
        </button>
      </div>
      {error && (
        <p role="alert" className="text-xs text-error">
          {error}
        </p>
      )}
    </form>
  );
}
