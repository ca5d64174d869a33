package resetpwtest

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// codeValidity is how long a reset's code can be used: one hour (R63).
const codeValidity = time.Hour

// newCode returns a six-digit confirmation code, as Cognito's default
// messages carry.
func newCode() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
	return fmt.Sprintf("%06d", n.Int64())
}

// CreateUserPoolClient adds an app client to a pool and returns it, with
// its ClientId: ConfirmForgotPassword finds the pool by it. Only the pool,
// the name and the ID are kept.
func (f *Fake) CreateUserPoolClient(ctx context.Context, in *cip.CreateUserPoolClientInput, _ ...func(*cip.Options)) (*cip.CreateUserPoolClientOutput, error) {
	p, err := f.enterPool(ctx, opCreateUserPoolClient, in.UserPoolId)
	if err != nil {
		return nil, err
	}
	defer f.mu.Unlock()
	if aws.ToString(in.ClientName) == "" {
		return nil, invalidParameter("1 validation error detected: Value at 'clientName' failed to satisfy constraint: Member must not be null")
	}
	id := randomID(26)
	f.clients[id] = aws.ToString(p.pool.Id)
	return &cip.CreateUserPoolClientOutput{UserPoolClient: &types.UserPoolClientType{
		ClientId: aws.String(id), ClientName: in.ClientName, UserPoolId: p.pool.Id}, ResultMetadata: f.metadata()}, nil
}

// maxOldCodes bounds the codes a user's spent or replaced ones are kept
// of, to tell them from a wrong code.
const maxOldCodes = 8

// retire moves the user's code, if any, to its spent or replaced ones.
func (u *fakeUser) retire() {
	if u.code == "" {
		return
	}
	u.oldCodes = append(u.oldCodes, u.code)
	if len(u.oldCodes) > maxOldCodes {
		u.oldCodes = u.oldCodes[1:]
	}
	u.code = ""
}

// ConfirmForgotPassword completes a reset as the user would, with the code
// of their last Delivery and a new password (R63, R64): the user becomes
// CONFIRMED, and the code is spent. The last code past an hour on the
// Fake's clock (SetClock), a spent one and one a newer code replaced answer
// ExpiredCodeException, as a spent code was seen to (R64; for a replaced
// one assumed), and the user stays as it was (the current code is read
// first: one that repeats a retired code's digits is the user's); any
// other code,
// CodeMismatchException (R64). ClientId names the pool
// (CreateUserPoolClient; an unknown one, ResourceNotFoundException, and a
// disabled user NotAuthorizedException "User is disabled.", both assumed);
// the password is not checked against a policy, and nothing is stored of
// it. Failed attempts are not counted (no LimitExceededException).
func (f *Fake) ConfirmForgotPassword(ctx context.Context, in *cip.ConfirmForgotPasswordInput, _ ...func(*cip.Options)) (*cip.ConfirmForgotPasswordOutput, error) {
	if err := f.enter(ctx, opConfirmForgotPassword); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	pool, ok := f.clients[aws.ToString(in.ClientId)]
	if !ok {
		return nil, &types.ResourceNotFoundException{Message: aws.String("User pool client " + aws.ToString(in.ClientId) + " does not exist.")}
	}
	if aws.ToString(in.Password) == "" || aws.ToString(in.ConfirmationCode) == "" {
		return nil, invalidParameter("1 validation error detected: Value at 'password' or 'confirmationCode' failed to satisfy constraint: Member must not be null")
	}
	_, u, err := f.lookup(pool, aws.ToString(in.Username))
	if err != nil {
		return nil, err
	}
	if !u.enabled {
		return nil, &types.NotAuthorizedException{Message: aws.String("User is disabled.")}
	}
	now := f.now()
	code := aws.ToString(in.ConfirmationCode)
	expired := &types.ExpiredCodeException{Message: aws.String("Invalid code provided, please request a code again.")}
	// The current code is read first: a new code that happens to equal
	// a retired one (one chance in a million a reset) is the user's code.
	switch {
	case u.code != "" && u.code == code && now.Sub(u.codeAt) >= codeValidity:
		return nil, expired
	case u.code != "" && u.code == code:
	case slices.Contains(u.oldCodes, code):
		return nil, expired
	default:
		return nil, &types.CodeMismatchException{Message: aws.String("Invalid verification code provided, please try again.")}
	}
	u.retire()
	u.status, u.modified = types.UserStatusTypeConfirmed, now
	return &cip.ConfirmForgotPasswordOutput{ResultMetadata: f.metadata()}, nil
}
