import { type SchemaUser } from "@gojoser/client";
import { useAuth } from "@gojoser/client/react";
import { useCallback, useEffect, useState } from "react";

import {
  Activate,
  EmailConfirm,
  Forgot,
  Home,
  Login,
  Register,
  ResetPassword,
  ResetUsername,
  useEndSession,
  useSocialCallback,
} from "./account";
import { client } from "./api";
import { FlashContext, type Notify } from "./flash";
import { Profile, Sessions, Users } from "./me";
import { match, navigate, useHashPath } from "./router";

export function App() {
  const { auth, isAuthenticated } = useAuth(client);
  const path = useHashPath();
  const [me, setMe] = useState<SchemaUser | null>(null);
  const [roles, setRoles] = useState<string[]>([]);
  const [flash, setFlash] = useState<{ text: string; path: string } | null>(null);

  const notify: Notify = useCallback((text, to) => {
    setFlash({ text, path: to });
    navigate(to);
  }, []);
  useSocialCallback(notify);

  // Who is logged in, and may they see the admin pages? Reloaded whenever the credentials change.
  const reload = useCallback(async () => {
    if (!client.isAuthenticated()) {
      setMe(null);
      setRoles([]);
      return;
    }
    const [user, granted] = await Promise.all([
      client.api.GET("/auth/users/me/"),
      client.api.GET("/auth/users/me/roles/"),
    ]);
    setMe(user.data ?? null);
    setRoles(granted.data?.roles ?? []);
  }, []);
  useEffect(() => {
    void reload();
  }, [auth, reload]);

  const isAdmin = roles.includes("admin");
  return (
    <FlashContext.Provider value={notify}>
      <Nav isAuthenticated={isAuthenticated} me={me} isAdmin={isAdmin} />
      <main>
        {flash && flash.path === path && (
          <p className="flash" role="status" data-testid="flash">
            {flash.text}
          </p>
        )}
        <Page path={path} isAuthenticated={isAuthenticated} me={me} isAdmin={isAdmin} reload={reload} />
      </main>
    </FlashContext.Provider>
  );
}

function Nav(props: { isAuthenticated: boolean; me: SchemaUser | null; isAdmin: boolean }) {
  const endSession = useEndSession();
  return (
    <nav>
      <a href="#/" data-testid="nav-home">
        gojoser demo
      </a>
      {props.isAuthenticated ? (
        <>
          <a href="#/profile" data-testid="nav-profile">
            Profile
          </a>
          <a href="#/sessions" data-testid="nav-sessions">
            Sessions
          </a>
          {props.isAdmin && (
            <a href="#/users" data-testid="nav-users">
              Users
            </a>
          )}
          <span className="whoami" data-testid="whoami">
            {props.me?.username}
          </span>
          <button type="button" onClick={() => void endSession("You are logged out.")} data-testid="logout-button">
            Log out
          </button>
        </>
      ) : (
        <>
          <a href="#/login" data-testid="nav-login">
            Log in
          </a>
          <a href="#/register" data-testid="nav-register">
            Register
          </a>
        </>
      )}
    </nav>
  );
}

function Page(props: {
  path: string;
  isAuthenticated: boolean;
  me: SchemaUser | null;
  isAdmin: boolean;
  reload: () => Promise<void>;
}) {
  const { path } = props;
  let m: Record<string, string> | null;
  // Links from mails work logged in or not.
  if ((m = match("/activate/:uid/:token", path))) return <Activate uid={m.uid!} token={m.token!} />;
  if ((m = match("/password/reset/confirm/:uid/:token", path))) return <ResetPassword uid={m.uid!} token={m.token!} />;
  if ((m = match("/username/reset/confirm/:uid/:token", path))) return <ResetUsername uid={m.uid!} token={m.token!} />;
  if ((m = match("/email/confirm/:uid/:token", path))) return <EmailConfirm uid={m.uid!} token={m.token!} />;

  switch (path) {
    case "/register":
      return <Register />;
    case "/forgot":
      return <Forgot />;
    case "/login":
      return props.isAuthenticated ? <Profile me={props.me} reload={props.reload} /> : <Login />;
    case "/":
    case "/profile":
    case "/sessions":
    case "/users":
      break;
    default:
      return (
        <p data-testid="not-found">
          No such page. <a href="#/">Home</a>
        </p>
      );
  }
  if (!props.isAuthenticated) return path === "/" ? <Home /> : <Login />;
  if (path === "/sessions") return <Sessions />;
  if (path === "/users") return <Users isAdmin={props.isAdmin} />;
  return <Profile me={props.me} reload={props.reload} />;
}
