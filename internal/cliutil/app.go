package cliutil

import (
	"context"
	"strings"

	"github.com/urfave/cli/v2"
)

// NewApp returns a urfave/cli application tamed for soakline: help and
// version on stdout with an EXIT STATUS section, errors returned (never
// printed or exited by the library), usage errors as *UsageError.
func NewApp(name, usage, usageText, description string, stdio Stdio) *cli.App {
	return &cli.App{
		Name:                  name,
		HelpName:              name,
		Usage:                 usage,
		UsageText:             usageText,
		Description:           description,
		Version:               Version(),
		Reader:                stdio.In,
		Writer:                stdio.Out,
		ErrWriter:             stdio.Err,
		HideHelpCommand:       true,
		ExitErrHandler:        func(*cli.Context, error) {},
		OnUsageError:          onUsageError,
		CustomAppHelpTemplate: cli.AppHelpTemplate + "\n" + ExitStatusHelp,
	}
}

func onUsageError(_ *cli.Context, err error, _ bool) error {
	return &UsageError{Msg: strings.TrimSpace(err.Error())}
}

// Run runs app with args (without the program name). Flags may come after
// positional arguments, as users type them (`soak-gate DIR --strict`);
// everything after "--" stays positional. Commands get the same treatment.
func Run(ctx context.Context, app *cli.App, args []string) error {
	for _, c := range app.Commands {
		tameCommand(c)
	}
	return app.RunContext(ctx, append([]string{app.Name}, permute(args, app.Flags, app.Commands)...))
}

func tameCommand(c *cli.Command) {
	c.OnUsageError = onUsageError
	if c.CustomHelpTemplate == "" {
		c.CustomHelpTemplate = cli.CommandHelpTemplate + "\n" + ExitStatusHelp
	}
	for _, s := range c.Subcommands {
		tameCommand(s)
	}
}

// permute moves flag arguments before positional ones, because the
// standard flag package stops at the first positional argument.
func permute(args []string, flags []cli.Flag, cmds []*cli.Command) []string {
	takesValue := map[string]bool{}
	for _, f := range flags {
		tv, ok := f.(interface{ TakesValue() bool })
		for _, n := range f.Names() {
			takesValue[n] = ok && tv.TakesValue()
		}
	}
	var opts, pos []string
	help := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if len(a) > 1 && a[0] == '-' {
			opts = append(opts, a)
			name := strings.TrimLeft(a, "-")
			if strings.Contains(name, "=") {
				continue
			}
			if name == "h" || name == "help" {
				help = true
			}
			if takesValue[name] {
				if i+1 == len(args) {
					// Keep the flag last, so that the flag package says
					// "flag needs an argument" instead of taking the "--"
					// added below as its value.
					return opts
				}
				i++
				opts = append(opts, args[i])
			}
			continue
		}
		if len(pos) == 0 {
			for _, c := range cmds {
				if c.HasName(a) {
					return append(append(opts, a), permute(args[i+1:], c.Flags, c.Subcommands)...)
				}
			}
		}
		pos = append(pos, a)
	}
	// urfave/cli reads the arguments after --help as a help topic: "DIR
	// --help" would fail with "No help topic for 'DIR'".
	if len(pos) == 0 || help {
		return opts
	}
	return append(append(opts, "--"), pos...)
}

// OneArg returns the single positional argument of c, or def when there is
// none; more than one is a usage error.
func OneArg(c *cli.Context, what, def string) (string, error) {
	switch c.NArg() {
	case 0:
		return def, nil
	case 1:
		return c.Args().First(), nil
	}
	return "", Usagef("want at most one %s, got %d arguments: %s", what, c.NArg(), strings.Join(c.Args().Slice(), " "))
}
