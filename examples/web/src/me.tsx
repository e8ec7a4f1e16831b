// Pages for a logged-in user: profile (email, password, delete), sessions, and the admin's user list.
import { unwrap, type SchemaIdentity, type SchemaSession, type SchemaUser } from "@gojoser/client";
import { useCallback, useEffect, useState } from "react";

import { useEndSession } from "./account";
import { client } from "./api";
import { useNotify } from "./flash";
import { Done, Field, Submit, useForm } from "./forms";

export function Profile(props: { me: SchemaUser | null; reload: () => Promise<void> }) {
  const notify = useNotify();
  const endSession = useEndSession();
  const email = useForm(["email"], async (v) => {
    const wanted = v.email ?? "";
    const updated = await unwrap(client.api.PATCH("/auth/users/me/", { body: { email: wanted } }));
    // With GOJOSER_SEND_ACTIVATION_EMAIL (and no GOJOSER_EMAIL_CHANGE_CONFIRM) a new address deactivates
    // the account until it is activated: the session then fails and the client forgets it.
    const again = await client.api.GET("/auth/users/me/");
    if (again.response.status === 401) {
      notify(`Follow the activation link we sent to ${updated.email}, then log in again.`, "/login");
      return;
    }
    await props.reload();
    // With GOJOSER_EMAIL_CHANGE_CONFIRM the address changes only once the new one confirms it.
    if (updated.email.toLowerCase() !== wanted.toLowerCase()) {
      return `We sent a confirmation link to ${wanted}. Your address changes once you follow it.`;
    }
    return "Your email address is saved.";
  });
  const username = useForm(["new_username", "current_password"], async (v) => {
    await unwrap(
      client.api.POST("/auth/users/set_username/", {
        body: { new_username: v.new_username, current_password: v.current_password },
      }),
    );
    await props.reload();
    return `Your username is now ${v.new_username}.`;
  });
  const password = useForm(["current_password", "new_password"], async (v) => {
    await unwrap(
      client.api.POST("/auth/users/set_password/", {
        body: { current_password: v.current_password, new_password: v.new_password },
      }),
    );
    // With GOJOSER_LOGOUT_ON_PASSWORD_CHANGE every token is revoked, this one too.
    const again = await client.api.GET("/auth/users/me/");
    if (again.response.status === 401) {
      notify("Your password is changed. Log in again with it.", "/login");
      return;
    }
    return "Your password is changed.";
  });
  const remove = useForm(["current_password"], async (v) => {
    await unwrap(client.api.DELETE("/auth/users/me/", { body: { current_password: v.current_password } }));
    await endSession("Your account is deleted.");
  });

  const { reload } = props;
  useEffect(() => {
    void reload(); // the address may have changed in another tab, or through a confirmation link
  }, [reload]);

  if (!props.me) return <p data-testid="loading">Loading…</p>;
  const me = props.me;
  return (
    <section data-testid="profile">
      <h1>Your profile</h1>
      <dl>
        <dt>Username</dt>
        <dd data-testid="me-username">{me.username}</dd>
        <dt>Email</dt>
        <dd data-testid="me-email">{me.email || "(none)"}</dd>
        <dt>Id</dt>
        <dd data-testid="me-id">{me.id}</dd>
      </dl>

      <Identities />

      <h2>Change your email</h2>
      <form onSubmit={email.onSubmit} noValidate data-testid="profile-form">
        <Field form="profile" name="email" label="Email" type="email" state={email.state} defaultValue={me.email} />
        {email.state.done && <Done form="profile" state={email.state} />}
        <Submit form="profile" state={email.state}>
          Save
        </Submit>
      </form>

      <h2>Change your username</h2>
      <form onSubmit={username.onSubmit} noValidate data-testid="set-username-form">
        <Field form="set-username" name="new_username" label="New username" state={username.state} autoComplete="username" />
        <Field form="set-username" name="current_password" label="Current password" type="password" state={username.state} autoComplete="current-password" />
        {username.state.done && <Done form="set-username" state={username.state} />}
        <Submit form="set-username" state={username.state}>
          Change username
        </Submit>
      </form>

      <h2>Change your password</h2>
      <form onSubmit={password.onSubmit} noValidate data-testid="password-form">
        <Field form="password" name="current_password" label="Current password" type="password" state={password.state} autoComplete="current-password" />
        <Field form="password" name="new_password" label="New password" type="password" state={password.state} autoComplete="new-password" />
        {password.state.done && <Done form="password" state={password.state} />}
        <Submit form="password" state={password.state}>
          Change password
        </Submit>
      </form>

      <h2>Delete your account</h2>
      <form onSubmit={remove.onSubmit} noValidate data-testid="delete-form">
        <Field form="delete" name="current_password" label="Current password" type="password" state={remove.state} autoComplete="current-password" />
        <Submit form="delete" state={remove.state}>
          Delete my account
        </Submit>
      </form>
    </section>
  );
}

/** The social logins linked to the account, each of which can be unlinked while another way in remains. */
function Identities() {
  const [identities, setIdentities] = useState<SchemaIdentity[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setIdentities(await unwrap(client.api.GET("/auth/users/me/identities/")));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  const unlink = async (id: number) => {
    try {
      await unwrap(client.api.DELETE("/auth/users/me/identities/{id}/", { params: { path: { id: String(id) } } }));
      setError(null);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
    await load();
  };
  if (!identities?.length && !error) return null;
  return (
    <>
      <h2>Linked accounts</h2>
      {error && (
        <p className="errors" role="alert" data-testid="identities-error">
          {error}
        </p>
      )}
      <ul>
        {identities?.map((i) => (
          <li key={i.id} data-testid="identity-row" data-provider={i.provider}>
            {i.provider}: {i.email || i.uid}{" "}
            <button type="button" onClick={() => void unlink(i.id)} data-testid="identity-unlink">
              Unlink
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}

const when = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "—");

export function Sessions() {
  const endSession = useEndSession();
  const [sessions, setSessions] = useState<SchemaSession[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      setSessions(await unwrap(client.api.GET("/auth/token/")));
      setError(null);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const revoke = async (id: number) => {
    try {
      await unwrap(client.api.DELETE("/auth/token/{id}/", { params: { path: { id: String(id) } } }));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
    await load();
  };
  const logoutAll = async () => {
    await client.api.POST("/auth/token/logoutall/");
    await endSession("You are logged out on every device.");
  };

  return (
    <section data-testid="sessions">
      <h1>Your sessions</h1>
      {error && (
        <p className="errors" role="alert" data-testid="sessions-error">
          {error}
        </p>
      )}
      {sessions === null ? (
        <p>Loading…</p>
      ) : (
        <table data-testid="sessions-table">
          <thead>
            <tr>
              <th>Device</th>
              <th>Created</th>
              <th>Last used</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr key={s.id} data-testid="session-row" data-session-id={s.id} data-label={s.label} data-current={s.current}>
                <td data-testid="session-label">
                  {s.label || "(unnamed)"} {s.current && <strong data-testid="session-current">this device</strong>}
                </td>
                <td>{when(s.created)}</td>
                <td>{when(s.last_used)}</td>
                <td>
                  {!s.current && (
                    <button type="button" onClick={() => void revoke(s.id)} data-testid="session-revoke">
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        <button type="button" onClick={() => void logoutAll()} data-testid="sessions-logoutall">
          Log out everywhere
        </button>
      </p>
    </section>
  );
}

export function Users(props: { isAdmin: boolean }) {
  const [users, setUsers] = useState<SchemaUser[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!props.isAdmin) return;
    unwrap(client.api.GET("/auth/users/")).then(setUsers, (err: unknown) =>
      setError(err instanceof Error ? err.message : String(err)),
    );
  }, [props.isAdmin]);

  if (!props.isAdmin) {
    return (
      <p className="errors" data-testid="users-forbidden">
        Only admins can see the user list.
      </p>
    );
  }
  return (
    <section data-testid="users">
      <h1>Users</h1>
      {error && (
        <p className="errors" role="alert" data-testid="users-error">
          {error}
        </p>
      )}
      {users === null ? (
        <p>Loading…</p>
      ) : (
        <table data-testid="users-table">
          <thead>
            <tr>
              <th>Id</th>
              <th>Username</th>
              <th>Email</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id} data-testid="user-row" data-username={u.username}>
                <td>{u.id}</td>
                <td>{u.username}</td>
                <td>{u.email}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
