// Command gojoser runs the Djoser-compatible auth service and its administration commands.
package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/gojoser/gojoser/internal/app"
	"github.com/gojoser/gojoser/internal/config"
	"github.com/gojoser/gojoser/internal/drf"
	"github.com/gojoser/gojoser/internal/jwt"
	"github.com/gojoser/gojoser/internal/profile"
	"github.com/gojoser/gojoser/internal/validation"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], environ(os.Environ()), os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command line with env as the process environment and returns the exit code. Tests
// call it as main does, with an environment of their own, so that they can run in parallel.
func run(ctx context.Context, args []string, env map[string]string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := rootCmd(env, stdin, stdout, stderr)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(stderr, "error:", describe(err))
		return 1
	}
	return 0
}

// environ turns KEY=value pairs into a map, as config.Load reads them.
func environ(kv []string) map[string]string {
	env := map[string]string{}
	for _, e := range kv {
		if k, v, ok := strings.Cut(e, "="); ok {
			env[k] = v
		}
	}
	return env
}

// describe renders an error for an operator: field errors as the JSON the API would answer, so that a
// rejected password or username reads exactly as a client would see it.
func describe(err error) string {
	var verrs *drf.FieldErrors
	if errors.As(err, &verrs) {
		b, _ := verrs.MarshalJSON()
		return string(b)
	}
	if errors.Is(err, drf.ErrNotFound) {
		return "no such user or role"
	}
	return err.Error()
}

// loadConfig reads the settings from env and builds the logger, warning about GOJOSER_* variables that
// name no setting (typos, most likely).
func loadConfig(env map[string]string, stderr io.Writer) (config.Config, *slog.Logger, func(), error) {
	cfg, err := config.FromMap(env)
	if err != nil {
		return cfg, nil, nil, err
	}
	log, flush := app.NewLogger(cfg, stderr)
	for _, v := range config.Unknown(env) {
		log.Warn("unknown setting ignored", "variable", v)
	}
	return cfg, log, flush, nil
}

func rootCmd(env map[string]string, stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "gojoser",
		Short:         "Djoser-compatible user management and token auth",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)

	// withApp loads the configuration, opens (and migrates) the database and runs fn.
	withApp := func(fn func(cmd *cobra.Command, a *app.App, args []string) error) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
			cfg, log, flush, err := loadConfig(env, stderr)
			if err != nil {
				return err
			}
			defer flush()
			a, err := app.New(cmd.Context(), cfg, log, app.Options{})
			if err != nil {
				return err
			}
			defer a.Close()
			return fn(cmd, a, args)
		}
	}

	root.AddCommand(&cobra.Command{
		Use:   "serve",
		Short: "Run the HTTP server (migrates the database first)",
		Args:  cobra.NoArgs,
		RunE: withApp(func(cmd *cobra.Command, a *app.App, _ []string) error {
			return a.Serve(cmd.Context())
		}),
	})
	root.AddCommand(migrateCmd(env, stderr), createSuperuserCmd(env, stdin, withApp), tokenCmd(withApp), roleCmd(withApp), userCmd(withApp), outboxCmd(withApp), jwtCmd(), cleanupCmd(withApp),
		importCmd(env, stderr), throttleCmd(withApp), auditCmd(withApp))
	return root
}

func jwtCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "jwt", Short: "JWT signing keys"}
	cmd.AddCommand(&cobra.Command{
		Use:   "genkey EdDSA|ES256",
		Short: "Print a new PEM private key for GOJOSER_JWT_PRIVATE_KEY_FILE (its kid goes to stderr)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pem, err := jwt.GenerateKeyPEM(args[0])
			if err != nil {
				return err
			}
			kid, _, err := jwt.KeyID(pem)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "kid %s\n", kid)
			_, err = cmd.OutOrStdout().Write(pem)
			return err
		},
	})
	return cmd
}

type appRunner = func(fn func(cmd *cobra.Command, a *app.App, args []string) error) func(*cobra.Command, []string) error

func createSuperuserCmd(env map[string]string, stdin io.Reader, withApp appRunner) *cobra.Command {
	var username, email, pw string
	cmd := &cobra.Command{
		Use:   "createsuperuser",
		Short: "Create a user with the admin role",
		Long: "Create a user with the admin role. The password comes from --password, else from " +
			"GOJOSER_SUPERUSER_PASSWORD, else from a prompt when stdin is a terminal.",
		Args: cobra.NoArgs,
		RunE: withApp(func(cmd *cobra.Command, a *app.App, _ []string) error {
			switch {
			case profile.UsernameField == "email" && email == "":
				// A user model without usernames (openapi.yaml): the address names the user.
				return errors.New("--email is required")
			case profile.UsernameField != "email" && username == "":
				return errors.New("--username is required")
			}
			if pw == "" {
				pw = env["GOJOSER_SUPERUSER_PASSWORD"]
			}
			if pw == "" {
				var err error
				if pw, err = promptPassword(stdin, cmd.ErrOrStderr()); err != nil {
					return err
				}
			}
			u, err := a.Users.CreateSuperuser(cmd.Context(), username, email, pw)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "superuser %q created (id %d)\n", cmp.Or(u.Username, u.Email), u.ID)
			return nil
		}),
	}
	cmd.Flags().StringVar(&username, "username", "", "username (required, unless the user model has none)")
	cmd.Flags().StringVar(&email, "email", "", "email address (required with GOJOSER_LOGIN_FIELD=email or a user model without usernames)")
	cmd.Flags().StringVar(&pw, "password", "", "password (prefer GOJOSER_SUPERUSER_PASSWORD: flags show in ps)")
	return cmd
}

// promptPassword reads a password without echo, only from a terminal: a script without a password must
// fail rather than hang on a prompt nobody answers.
func promptPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	f, ok := stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return "", errors.New("no password: pass --password or set GOJOSER_SUPERUSER_PASSWORD (stdin is not a terminal)")
	}
	fmt.Fprint(stderr, "Password: ")
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	fmt.Fprint(stderr, "Password (again): ")
	again, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	if string(b) != string(again) {
		return "", errors.New("passwords didn't match")
	}
	return string(b), nil
}

func tokenCmd(withApp appRunner) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Create or revoke auth tokens"}
	var label string
	create := &cobra.Command{
		Use:   "create <username>",
		Short: "Print a new token key for a user (like drf_create_token)",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(func(cmd *cobra.Command, a *app.App, args []string) error {
			key, err := a.Users.CreateToken(cmd.Context(), args[0], label)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), key)
			return nil
		}),
	}
	create.Flags().StringVar(&label, "label", "cli", "device label")
	var all bool
	revoke := &cobra.Command{
		Use:   "revoke <key> | --all <username>",
		Short: "Revoke one token by its key, or every token of a user",
		Args:  cobra.ExactArgs(1),
		RunE: withApp(func(cmd *cobra.Command, a *app.App, args []string) error {
			if all {
				n, err := a.Users.RevokeAll(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "revoked %d token(s)\n", n)
				return nil
			}
			found, err := a.Users.RevokeKey(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if !found {
				return errors.New("no such token")
			}
			fmt.Fprintln(cmd.OutOrStdout(), "revoked")
			return nil
		}),
	}
	revoke.Flags().BoolVar(&all, "all", false, "the argument is a username: revoke all their tokens")
	cmd.AddCommand(create, revoke)
	return cmd
}

// userCmd holds the operator's account controls. Like role revoke, it is the repair path: it may
// deactivate anyone, the last admin included, which the API refuses an admin for themself.
func userCmd(withApp appRunner) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Deactivate or reactivate accounts"}
	set := func(use, short, done, already string, apply func(ctx context.Context, a *app.App, id int) (bool, error)) *cobra.Command {
		return &cobra.Command{
			Use:   use + " <username>",
			Short: short,
			Args:  cobra.ExactArgs(1),
			RunE: withApp(func(cmd *cobra.Command, a *app.App, args []string) error {
				id, err := a.Users.UserIDByUsername(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				changed, err := apply(cmd.Context(), a, id)
				if err != nil {
					return err
				}
				if changed {
					fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", done, args[0])
				} else {
					fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", already, args[0])
				}
				return nil
			}),
		}
	}
	cmd.AddCommand(
		set("deactivate", "Deactivate a user and revoke all their tokens and refresh tokens", "deactivated", "already inactive",
			func(ctx context.Context, a *app.App, id int) (bool, error) { return a.Users.DeactivateUser(ctx, id) }),
		set("activate", "Reactivate a user (or activate one without the activation link)", "activated", "already active",
			func(ctx context.Context, a *app.App, id int) (bool, error) { return a.Users.ReactivateUser(ctx, id) }),
	)
	return cmd
}

func roleCmd(withApp appRunner) *cobra.Command {
	cmd := &cobra.Command{Use: "role", Short: "Manage roles"}
	change := func(use, short string, apply func(ctx context.Context, a *app.App, id, role string) error) *cobra.Command {
		return &cobra.Command{
			Use:   use + " <username> <role>",
			Short: short,
			Args:  cobra.ExactArgs(2),
			RunE: withApp(func(cmd *cobra.Command, a *app.App, args []string) error {
				id, err := a.Users.UserIDByUsername(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if err := apply(cmd.Context(), a, fmt.Sprint(id), args[1]); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: %s %s\n", use, args[0], args[1])
				return nil
			}),
		}
	}
	cmd.AddCommand(
		change("grant", "Give a user a role", func(ctx context.Context, a *app.App, id, role string) error {
			return a.Users.Grant(ctx, id, role)
		}),
		// The CLI is the operator's repair path, so it may revoke anyone's admin role.
		change("revoke", "Take a role from a user", func(ctx context.Context, a *app.App, id, role string) error {
			return a.Users.Revoke(ctx, nil, id, role)
		}),
		&cobra.Command{
			Use:   "create <name>",
			Short: "Create a role",
			Args:  cobra.ExactArgs(1),
			RunE: withApp(func(cmd *cobra.Command, a *app.App, args []string) error {
				_, err := a.Users.CreateRole(cmd.Context(), validation.Value{Set: true, S: args[0]})
				return err
			}),
		},
		&cobra.Command{
			Use:   "list",
			Short: "List roles",
			Args:  cobra.NoArgs,
			RunE: withApp(func(cmd *cobra.Command, a *app.App, _ []string) error {
				names, err := a.Users.Roles(cmd.Context())
				for _, n := range names {
					fmt.Fprintln(cmd.OutOrStdout(), n)
				}
				return err
			}),
		},
	)
	return cmd
}
