// Pages for visitors: register, activate, log in, and the forgotten-password/username flows that start
// from the links gojoser mails (GOJOSER_*_URL defaults: #/activate/{uid}/{token} and so on).
import { isApiError, unwrap } from "@gojoser/client";
import { useEffect, useState } from "react";

import { client, pendingSocialKey, socialProviders, socialRedirectUri } from "./api";
import { useNotify } from "./flash";
import { Done, Field, Submit, useForm } from "./forms";
import { navigate } from "./router";

export function Home() {
  return (
    <section data-testid="home">
      <h1>gojoser demo</h1>
      <p>
        <a href="#/login">Log in</a> or <a href="#/register">create an account</a>.
      </p>
    </section>
  );
}

export function Register() {
  const form = "register";
  const { state, onSubmit } = useForm(["username", "email", "password"], async (v) => {
    const user = await unwrap(
      client.api.POST("/auth/users/", { body: { username: v.username, email: v.email, password: v.password } }),
    );
    return `Welcome, ${user.username}! If this server asks for activation, follow the link we emailed to ${user.email || "you"}, then log in.`;
  });
  return (
    <section>
      <h1>Create an account</h1>
      {state.done ? (
        <Done form={form} state={state} />
      ) : (
        <form onSubmit={onSubmit} noValidate data-testid={`${form}-form`}>
          <Field form={form} name="username" label="Username" state={state} autoComplete="username" />
          <Field form={form} name="email" label="Email" type="email" state={state} autoComplete="email" />
          <Field form={form} name="password" label="Password" type="password" state={state} autoComplete="new-password" />
          <Submit form={form} state={state}>
            Register
          </Submit>
        </form>
      )}
    </section>
  );
}

/** A page for a mailed link that needs only one click: activation and email-change confirmation. */
function LinkAction(props: { form: string; title: string; button: string; done: string; run: () => Promise<unknown> }) {
  const { state, onSubmit } = useForm([], async () => {
    await props.run();
  });
  return (
    <section>
      <h1>{props.title}</h1>
      {state.done ? (
        <Done form={props.form}>
          {props.done} <a href="#/login">Log in</a>
        </Done>
      ) : (
        <form onSubmit={onSubmit} data-testid={`${props.form}-form`}>
          <Submit form={props.form} state={state}>
            {props.button}
          </Submit>
        </form>
      )}
    </section>
  );
}

export function Activate(props: { uid: string; token: string }) {
  return (
    <LinkAction
      form="activate"
      title="Activate your account"
      button="Activate my account"
      done="Your account is active."
      run={() => unwrap(client.api.POST("/auth/users/activation/", { body: { uid: props.uid, token: props.token } }))}
    />
  );
}

export function EmailConfirm(props: { uid: string; token: string }) {
  return (
    <LinkAction
      form="email-confirm"
      title="Confirm your new email address"
      button="Confirm my new address"
      done="Your email address is changed."
      run={() =>
        unwrap(client.api.POST("/auth/users/email_change_confirm/", { body: { uid: props.uid, token: props.token } }))
      }
    />
  );
}

export function Login() {
  const form = "login";
  const { state, onSubmit } = useForm(["username", "password", "label"], async (v) => {
    // A JWT session (POST /auth/jwt/create/) is not a device in the session list, so it has no name.
    const jwt = v.jwt === "on";
    await client.login(
      { username: v.username ?? "", password: v.password ?? "", label: jwt ? undefined : v.label || undefined },
      { scheme: jwt ? "jwt" : "token" },
    );
    navigate("/profile");
  });
  return (
    <section>
      <h1>Log in</h1>
      <form onSubmit={onSubmit} noValidate data-testid={`${form}-form`}>
        <Field form={form} name="username" label="Username" state={state} autoComplete="username" />
        <Field form={form} name="password" label="Password" type="password" state={state} autoComplete="current-password" />
        <Field form={form} name="label" label="Device name (optional)" state={state} />
        <Field form={form} name="jwt" label="Use a JWT instead of a token" type="checkbox" state={state} />
        <Submit form={form} state={state}>
          Log in
        </Submit>
      </form>
      <SocialButtons />
      <p>
        <a href="#/forgot" data-testid="login-forgot">
          Forgot your password or username?
        </a>{" "}
        <a href="#/forgot" data-testid="login-resend">
          No activation email?
        </a>
      </p>
    </section>
  );
}

/** "Sign in with …" buttons for the providers the server has configured (a provider it lacks is a 404). */
function SocialButtons() {
  const [available, setAvailable] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void Promise.all(
      socialProviders.map(async ({ name }) => {
        const { response } = await client.api
          .GET("/auth/o/{provider}/", { params: { path: { provider: name }, query: { redirect_uri: socialRedirectUri() } } })
          .catch(() => ({ response: undefined }));
        return response?.ok ? name : null;
      }),
    ).then((names) => {
      if (live) setAvailable(names.filter((n): n is string => n !== null));
    });
    return () => {
      live = false;
    };
  }, []);
  const start = async (provider: string) => {
    try {
      const url = await client.socialAuthorizationUrl(provider, socialRedirectUri());
      sessionStorage.setItem(pendingSocialKey, provider);
      window.location.assign(url);
    } catch (err) {
      setError(isApiError(err) ? err.messages.join(" ") : String(err));
    }
  };
  if (available.length === 0) return null;
  return (
    <div className="social">
      {socialProviders
        .filter((p) => available.includes(p.name))
        .map((p) => (
          <button key={p.name} type="button" onClick={() => void start(p.name)} data-testid={`social-${p.name}`}>
            Sign in with {p.label}
          </button>
        ))}
      {error && (
        <p className="errors" role="alert" data-testid="social-error">
          {error}
        </p>
      )}
    </div>
  );
}

/**
 * Finishes a social login when the provider has sent the browser back to the app's root with code and
 * state in the query string: once, and the address bar forgets them at once.
 */
export function useSocialCallback(notify: (text: string, path: string) => void) {
  useEffect(() => {
    const params = new URLSearchParams(window.location.search);
    const provider = sessionStorage.getItem(pendingSocialKey);
    if (provider === null || (!params.has("code") && !params.has("error"))) return;
    sessionStorage.removeItem(pendingSocialKey);
    window.history.replaceState(null, "", window.location.pathname + window.location.hash);
    client.socialLogin(provider, params).then(
      () => navigate("/profile"),
      (err: unknown) =>
        notify(`Signing in with ${provider} failed: ${isApiError(err) ? err.messages.join(" ") : String(err)}`, "/login"),
    );
  }, [notify]);
}

const mailSent = "If an account has this address, we sent it a link. Check your inbox.";

export function Forgot() {
  return (
    <section>
      <h1>Forgot your password?</h1>
      <MailRequest
        form="forgot"
        button="Send me a reset link"
        send={(email) => unwrap(client.api.POST("/auth/users/reset_password/", { body: { email } }))}
      />
      <h2>Forgot your username?</h2>
      <MailRequest
        form="forgot-username"
        button="Send me a link"
        send={(email) => unwrap(client.api.POST("/auth/users/reset_username/", { body: { email } }))}
      />
      <h2>No activation email?</h2>
      <MailRequest
        form="resend-activation"
        button="Send the activation link again"
        done="If an account with this address still needs activating, we sent it a new link. Check your inbox."
        send={(email) => unwrap(client.api.POST("/auth/users/resend_activation/", { body: { email } }))}
      />
    </section>
  );
}

/** An email field that asks for a mail; the server answers alike whether or not it knows the address. */
function MailRequest(props: { form: string; button: string; done?: string; send: (email: string) => Promise<unknown> }) {
  const { state, onSubmit } = useForm(["email"], async (v) => {
    await props.send(v.email ?? "");
    return props.done ?? mailSent;
  });
  if (state.done) return <Done form={props.form} state={state} />;
  return (
    <form onSubmit={onSubmit} noValidate data-testid={`${props.form}-form`}>
      <Field form={props.form} name="email" label="Email" type="email" state={state} autoComplete="email" />
      <Submit form={props.form} state={state}>
        {props.button}
      </Submit>
    </form>
  );
}

export function ResetPassword(props: { uid: string; token: string }) {
  const form = "reset";
  const { state, onSubmit } = useForm(["new_password"], async (v) => {
    await unwrap(
      client.api.POST("/auth/users/reset_password_confirm/", {
        body: { uid: props.uid, token: props.token, new_password: v.new_password },
      }),
    );
  });
  return (
    <section>
      <h1>Choose a new password</h1>
      {state.done ? (
        <Done form={form}>
          Your password is changed. <a href="#/login">Log in</a>
        </Done>
      ) : (
        <form onSubmit={onSubmit} noValidate data-testid={`${form}-form`}>
          <Field form={form} name="new_password" label="New password" type="password" state={state} autoComplete="new-password" />
          <Submit form={form} state={state}>
            Set my password
          </Submit>
        </form>
      )}
    </section>
  );
}

export function ResetUsername(props: { uid: string; token: string }) {
  const form = "username-reset";
  const { state, onSubmit } = useForm(["new_username"], async (v) => {
    await unwrap(
      client.api.POST("/auth/users/reset_username_confirm/", {
        body: { uid: props.uid, token: props.token, new_username: v.new_username },
      }),
    );
  });
  return (
    <section>
      <h1>Choose a new username</h1>
      {state.done ? (
        <Done form={form}>
          Your username is changed. <a href="#/login">Log in</a>
        </Done>
      ) : (
        <form onSubmit={onSubmit} noValidate data-testid={`${form}-form`}>
          <Field form={form} name="new_username" label="New username" state={state} autoComplete="username" />
          <Submit form={form} state={state}>
            Set my username
          </Submit>
        </form>
      )}
    </section>
  );
}

/** Used by pages that end the session: log out locally whatever the server says. */
export function useEndSession() {
  const notify = useNotify();
  return async (message: string) => {
    await client.logout().catch(() => {});
    notify(message, "/login");
  };
}
