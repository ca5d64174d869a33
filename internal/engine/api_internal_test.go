package engine

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go/middleware"
)

// stubAPI is a small in-package API: one pool, users by name, and optional
// errors per operation. It counts calls.
type stubAPI struct {
	mu        sync.Mutex
	pool      *types.UserPoolType
	users     map[string]*cip.AdminGetUserOutput
	list      []types.UserType
	errs      map[string][]error // per operation, consumed in order; the last one sticks
	calls     map[string]int
	resetIn   []*cip.AdminResetUserPasswordInput
	describes atomic.Int32
	block     chan struct{} // when set, DescribeUserPool waits on it
}

func newStub() *stubAPI {
	return &stubAPI{
		pool:  &types.UserPoolType{},
		users: map[string]*cip.AdminGetUserOutput{},
		errs:  map[string][]error{},
		calls: map[string]int{},
	}
}

func (s *stubAPI) addUser(name string, status types.UserStatusType, enabled bool, attrs ...string) {
	out := &cip.AdminGetUserOutput{Username: aws.String(name), UserStatus: status, Enabled: enabled}
	for i := 0; i+1 < len(attrs); i += 2 {
		out.UserAttributes = append(out.UserAttributes, types.AttributeType{Name: aws.String(attrs[i]), Value: aws.String(attrs[i+1])})
	}
	s.users[name] = out
}

func (s *stubAPI) count(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

func (s *stubAPI) enter(op string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[op]++
	errs := s.errs[op]
	if len(errs) == 0 {
		return nil
	}
	err := errs[0]
	if len(errs) > 1 {
		s.errs[op] = errs[1:]
	}
	return err
}

func withRequestID(id string) middleware.Metadata {
	var md middleware.Metadata
	awsmiddleware.SetRequestIDMetadata(&md, id)
	return md
}

func (s *stubAPI) AdminResetUserPassword(ctx context.Context, in *cip.AdminResetUserPasswordInput, _ ...func(*cip.Options)) (*cip.AdminResetUserPasswordOutput, error) {
	if err := s.enter("AdminResetUserPassword"); err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.resetIn = append(s.resetIn, in)
	s.mu.Unlock()
	return &cip.AdminResetUserPasswordOutput{ResultMetadata: withRequestID("req-reset-1")}, nil
}

func (s *stubAPI) AdminGetUser(ctx context.Context, in *cip.AdminGetUserInput, _ ...func(*cip.Options)) (*cip.AdminGetUserOutput, error) {
	if err := s.enter("AdminGetUser"); err != nil {
		return nil, err
	}
	u, ok := s.users[aws.ToString(in.Username)]
	if !ok {
		return nil, &types.UserNotFoundException{Message: aws.String("User does not exist.")}
	}
	return u, nil
}

func (s *stubAPI) DescribeUserPool(ctx context.Context, in *cip.DescribeUserPoolInput, _ ...func(*cip.Options)) (*cip.DescribeUserPoolOutput, error) {
	s.describes.Add(1)
	if s.block != nil {
		select {
		case <-s.block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if err := s.enter("DescribeUserPool"); err != nil {
		return nil, err
	}
	return &cip.DescribeUserPoolOutput{UserPool: s.pool}, nil
}

func (s *stubAPI) ListUsers(ctx context.Context, in *cip.ListUsersInput, _ ...func(*cip.Options)) (*cip.ListUsersOutput, error) {
	if err := s.enter("ListUsers"); err != nil {
		return nil, err
	}
	return &cip.ListUsersOutput{Users: s.list}, nil
}

func (s *stubAPI) AdminUserGlobalSignOut(ctx context.Context, in *cip.AdminUserGlobalSignOutInput, _ ...func(*cip.Options)) (*cip.AdminUserGlobalSignOutOutput, error) {
	if err := s.enter("AdminUserGlobalSignOut"); err != nil {
		return nil, err
	}
	return &cip.AdminUserGlobalSignOutOutput{}, nil
}

var _ API = (*stubAPI)(nil)
