package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/sleuthhq/sleuth"
	"github.com/sleuthhq/sleuth/accounts"
	"github.com/sleuthhq/sleuth/store/sqlite"
)

var keysCmd = &command{
	name:    "keys",
	summary: "Create, list and revoke API keys (offline, on the data directory): keys create|list|revoke.",
	usage:   "create [--scopes S,S] [--credits N] [--account ID] | list --account ID | revoke KEY_ID",
}

var creditsCmd = &command{
	name:    "credits",
	summary: "Show or add an account's credits (offline): credits show|add --account ID [AMOUNT].",
	usage:   "show --account ID | add --account ID AMOUNT",
}

func init() {
	keysCmd.run = runKeys
	creditsCmd.run = runCredits
}

func runKeys(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, keysCmd)
	data := dataFlag(e, fs)
	asJSON := fs.Bool("json", false, "print JSON")
	scopes := fs.String("scopes", "search", "create: comma-separated scopes (search, register, report, admin)")
	credits := fs.String("credits", "0", "create: credits to add to the account")
	account := fs.Int64("account", 0, "the account (create: 0 makes a new account)")
	name := fs.String("name", "", "create: a name for the key (and for a new account)")
	rate := fs.Float64("rate", 0, "create: the key's own rate limit, requests per second (0: the server's default)")
	burst := fs.Int("burst", 0, "create: the key's own burst (0: the server's default)")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) == 0 {
		fs.Usage()
		return exitUsage
	}
	st, err := sqlite.Open(ctx, dbPath(*data))
	if err != nil {
		return failf(e, err)
	}
	defer st.Close()
	svc := &accounts.Service{Store: st, Prices: accounts.DefaultPrices()}
	switch pos[0] {
	case "create":
		sc, err := accounts.ParseScopes(*scopes)
		if err != nil {
			return failf(e, err)
		}
		amount, err := sleuth.ParseCredits(*credits)
		if err != nil {
			return failf(e, err)
		}
		acct := sleuth.AccountID(*account)
		if acct == 0 {
			n := *name
			if n == "" {
				n = "account created " + time.Now().UTC().Format(time.DateTime)
			}
			a := &sleuth.Account{Name: n}
			if err := st.CreateAccount(ctx, a); err != nil {
				return failf(e, err)
			}
			acct = a.ID
		}
		balance := sleuth.Credits(0)
		if amount != 0 {
			if balance, err = st.AddCredits(ctx, acct, amount, "sleuth keys create"); err != nil {
				return failf(e, err)
			}
		} else if a, err := st.Account(ctx, acct); err != nil {
			return failf(e, err)
		} else {
			balance = a.Credits
		}
		k, secret, err := svc.NewKey(ctx, acct, *name, sc, accounts.WithRateLimit(*rate, *burst))
		if err != nil {
			return failf(e, err)
		}
		if *asJSON {
			json.NewEncoder(e.stdout).Encode(map[string]any{"id": k.ID, "key": secret, "account_id": acct, "scopes": k.Scopes, "balance": balance.Float()})
			return exitOK
		}
		fmt.Fprintf(e.stdout, "%s\n", secret)
		fmt.Fprintf(e.stderr, "created key %s for account %d (scopes %s, balance %s credits); the key above is shown only once\n", k.ID, acct, *scopes, balance)
		return exitOK
	case "list":
		if *account == 0 {
			fmt.Fprintln(e.stderr, "sleuth: keys list needs --account ID")
			return exitUsage
		}
		ks, err := st.Keys(ctx, sleuth.AccountID(*account))
		if err != nil {
			return failf(e, err)
		}
		if *asJSON {
			json.NewEncoder(e.stdout).Encode(ks)
			return exitOK
		}
		const format = "%-23s %-20s %-30s %-20s %s\n"
		fmt.Fprintf(e.stdout, format, "ID", "CREATED", "SCOPES", "REVOKED", "NAME")
		for _, k := range ks {
			revoked := "-"
			if k.RevokedAt != nil {
				revoked = k.RevokedAt.UTC().Format(time.DateTime)
			}
			sc, _ := json.Marshal(k.Scopes)
			fmt.Fprintf(e.stdout, format, k.ID, k.CreatedAt.UTC().Format(time.DateTime), sc, revoked, k.Name)
		}
		return exitOK
	case "revoke":
		if len(pos) != 2 {
			fs.Usage()
			return exitUsage
		}
		if err := st.RevokeKey(ctx, pos[1]); err != nil {
			return failf(e, err)
		}
		fmt.Fprintf(e.stdout, "revoked %s\n", pos[1])
		return exitOK
	}
	fmt.Fprintf(e.stderr, "sleuth: keys: unknown subcommand %q (want create, list or revoke)\n", pos[0])
	return exitUsage
}

func runCredits(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, creditsCmd)
	data := dataFlag(e, fs)
	account := fs.Int64("account", 0, "the account")
	reason := fs.String("reason", "sleuth credits add", "add: the ledger entry's reason")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) == 0 || *account == 0 {
		fs.Usage()
		return exitUsage
	}
	st, err := sqlite.Open(ctx, dbPath(*data))
	if err != nil {
		return failf(e, err)
	}
	defer st.Close()
	switch pos[0] {
	case "show":
		a, err := st.Account(ctx, sleuth.AccountID(*account))
		if err != nil {
			return failf(e, err)
		}
		fmt.Fprintf(e.stdout, "account %d (%s): %s credits\n", a.ID, a.Name, a.Credits)
		return exitOK
	case "add":
		if len(pos) != 2 {
			fs.Usage()
			return exitUsage
		}
		amount, err := sleuth.ParseCredits(pos[1])
		if err != nil {
			return failf(e, err)
		}
		bal, err := st.AddCredits(ctx, sleuth.AccountID(*account), amount, *reason)
		if err != nil {
			return failf(e, err)
		}
		fmt.Fprintf(e.stdout, "account %d: %s credits\n", *account, bal)
		return exitOK
	}
	fmt.Fprintf(e.stderr, "sleuth: credits: unknown subcommand %q (want show or add)\n", pos[0])
	return exitUsage
}

// failf prints err with its code and returns the failure exit code.
func failf(e *env, err error) int {
	fmt.Fprintf(e.stderr, "sleuth: %v [%s]\n", err, sleuth.ErrorCode(err))
	return exitFail
}
