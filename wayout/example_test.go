package wayout_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
	"github.com/cognitoreset/cognitoreset/wayout"
)

// examplePool is a Fake with a user whose invitation expired and one with
// no contact at all.
func examplePool() *resetpwtest.Fake {
	f := resetpwtest.NewFake()
	pool := f.AddPool(types.UserPoolType{Id: aws.String("us-west-2_aaaaaaaaa")})
	invited := resetpwtest.User("maria", "email", "maria@example.com")
	invited.UserStatus = types.UserStatusTypeForceChangePassword
	_, _ = f.AddUser(pool, invited)
	_, _ = f.AddUser(pool, resetpwtest.User("nocontact"))
	return f
}

// A refused reset names its way out; a service offers it, and takes it
// once a person confirms.
func Example() {
	client := examplePool() // in production: cognitoidentityprovider.NewFromConfig(cfg)
	r, _ := resetpw.New(client)
	ways, _ := wayout.New(r)
	confirmed := func(resetpw.WayOut) bool { return true } // the agent's explicit yes
	for _, name := range []string{"maria", "nocontact"} {
		req := resetpw.Request{UserPoolID: "us-west-2_aaaaaaaaa", Username: name}
		_, err := r.Reset(context.Background(), req)
		var e *resetpw.Error
		if !errors.As(err, &e) || e.WayOut == "" || !confirmed(e.WayOut) {
			continue
		}
		switch e.WayOut {
		case wayout.InviteAgain:
			res, err := ways.InviteAgain(context.Background(), req) // AdminCreateUser with RESEND
			if err == nil {
				fmt.Println(name, e.Kind.Code(), "invited again:", res.Delivery.Medium, res.Delivery.MaskedDestination)
			}
		case wayout.TemporaryPassword:
			res, err := ways.SetTemporaryPassword(context.Background(), req) // AdminSetUserPassword, then a sign-out
			if err == nil {
				shown := res.TemporaryPassword.Reveal() // show it once, to the agent; write it nowhere
				fmt.Println(name, e.Kind.Code(), "temporary password of", len(shown), "characters, signed out:", res.SignedOut)
			}
		}
	}
	// Output:
	// maria user_state invited again: EMAIL m***@e***.com
	// nocontact no_verified_contact temporary password of 20 characters, signed out: true
}
