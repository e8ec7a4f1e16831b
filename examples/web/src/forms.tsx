import { isApiError } from "@gojoser/client";
import { useState, type FormEvent, type ReactNode } from "react";

export interface FormState {
  busy: boolean;
  done: boolean;
  /** What the action returned on success, shown by <Done>. */
  message?: string;
  /** Field errors by field name (ApiError.fields). */
  fields: Record<string, string[]>;
  /** Everything that has no input of its own: detail, non_field_errors, errors of fields not shown. */
  general: string[];
}

/**
 * Runs a form's action and turns an ApiError into field errors (shown next to their inputs) and general
 * errors (shown above the button). `shown` lists the fields the form has inputs for.
 */
export function useForm(shown: string[], action: (values: Record<string, string>) => Promise<string | void>) {
  const [state, setState] = useState<FormState>({ busy: false, done: false, fields: {}, general: [] });
  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const values: Record<string, string> = {};
    new FormData(formElement).forEach((v, k) => {
      values[k] = String(v);
    });
    setState({ busy: true, done: false, fields: {}, general: [] });
    try {
      const message = await action(values);
      formElement.reset(); // no passwords left in the inputs
      setState({ busy: false, done: true, message: message || undefined, fields: {}, general: [] });
    } catch (err) {
      const fields: Record<string, string[]> = {};
      const general: string[] = [];
      if (isApiError(err)) {
        if (err.detail !== undefined) general.push(err.detail);
        general.push(...err.nonFieldErrors);
        for (const [name, messages] of Object.entries(err.fields)) {
          if (shown.includes(name)) fields[name] = messages;
          else general.push(...messages.map((m) => `${name}: ${m}`));
        }
        if (general.length === 0 && Object.keys(fields).length === 0) general.push(err.message);
      } else {
        general.push(err instanceof Error ? err.message : String(err));
      }
      setState({ busy: false, done: false, fields, general });
    }
  };
  return { state, onSubmit };
}

/** A labelled input with its errors below it: data-testid `${form}-${name}` and `${form}-${name}-error`. */
export function Field(props: {
  form: string;
  name: string;
  label: string;
  type?: string;
  state: FormState;
  defaultValue?: string;
  autoComplete?: string;
  required?: boolean;
}) {
  const id = `${props.form}-${props.name}`;
  const errors = props.state.fields[props.name];
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? "text"}
        defaultValue={props.defaultValue}
        autoComplete={props.autoComplete}
        required={props.required}
        aria-invalid={errors ? true : undefined}
        data-testid={id}
      />
      {errors && (
        <ul className="errors" data-testid={`${id}-error`}>
          {errors.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The form's general errors and submit button: data-testid `${form}-error` and `${form}-submit`. */
export function Submit(props: { form: string; state: FormState; children: ReactNode }) {
  return (
    <>
      {props.state.general.length > 0 && (
        <ul className="errors" role="alert" data-testid={`${props.form}-error`}>
          {props.state.general.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
      <button type="submit" disabled={props.state.busy} data-testid={`${props.form}-submit`}>
        {props.children}
      </button>
    </>
  );
}

/** The success message (the action's, else children): data-testid `${form}-done`. */
export function Done(props: { form: string; state?: FormState; children?: ReactNode }) {
  return (
    <p className="done" role="status" data-testid={`${props.form}-done`}>
      {props.state?.message ?? props.children}
    </p>
  );
}
