// Command wijkhelpt runs the WijkHelpt neighbour-help desk and its tools.
//
//	wijkhelpt serve [--demo]        run the portal, API and background work
//	wijkhelpt demo                  load the Wijk bij Duurstede demo set
//	wijkhelpt import offers|requests FILE.csv [--skip-invalid]
//	wijkhelpt reindex               rebuild the search index from the store
//	wijkhelpt user add --email E --name N --role R
//	wijkhelpt token create --role R [--name N]
//	wijkhelpt classify              text lines on stdin -> JSON lines
//	wijkhelpt suggest REQUEST-ID    ranked suggestions as JSON
//	wijkhelpt backup FILE           consistent copy of the embedded store, also while serving
//	wijkhelpt export [--out FILE]   every collection as JSON lines (any store)
//	wijkhelpt import-all FILE       read an export into the store (any store)
//
// Settings come from environment variables, overridden by flags; see the README.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "wijkhelpt:", err)
		os.Exit(1)
	}
}

const usage = `usage: wijkhelpt <command> [flags]

commands:
  serve [--demo]                      run the portal, the API and background work
  demo                                load the Wijk bij Duurstede demo set
  import offers|requests FILE.csv     import a CSV file (--skip-invalid to import the good rows)
  reindex                             rebuild the search index from the store
  user add --email E --name N --role R
  token create --role R [--name N]    print a bearer token for the API
  classify                            one text per stdin line -> one JSON line
  suggest REQUEST-ID                  ranked suggestions for a request, as JSON
  health                              ask the running service on WIJKHELPT_ADDR whether it is ready
  backup FILE                         consistent copy of the embedded store, also while serving
  export [--out FILE]                 every collection as JSON lines (from either store)
  import-all FILE                     read an export into the store (either store; - for stdin)

Run "wijkhelpt <command> -h" for the flags (every one also has an environment variable).
`

// io bundles the standard streams so that tests can run commands in-process.
type stdio struct {
	in       io.Reader
	out, err io.Writer
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	s := stdio{stdin, stdout, stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return cmdServe(ctx, rest, s, getenv)
	case "demo":
		return cmdDemo(ctx, rest, s, getenv)
	case "import":
		return cmdImport(ctx, rest, s, getenv)
	case "reindex":
		return cmdReindex(ctx, rest, s, getenv)
	case "user":
		if len(rest) == 0 || rest[0] != "add" {
			return errors.New(`usage: wijkhelpt user add --email E --name N --role R`)
		}
		return cmdUserAdd(ctx, rest[1:], s, getenv)
	case "token":
		if len(rest) == 0 || rest[0] != "create" {
			return errors.New(`usage: wijkhelpt token create --role R [--name N]`)
		}
		return cmdTokenCreate(ctx, rest[1:], s, getenv)
	case "classify":
		return cmdClassify(ctx, rest, s, getenv)
	case "suggest":
		return cmdSuggest(ctx, rest, s, getenv)
	case "health":
		return cmdHealth(ctx, rest, s, getenv)
	case "backup":
		return cmdBackup(ctx, rest, s, getenv)
	case "export":
		return cmdExport(ctx, rest, s, getenv)
	case "import-all":
		return cmdImportAll(ctx, rest, s, getenv)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}
