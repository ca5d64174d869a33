package resetpw_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cognitoreset/cognitoreset/groundtruth"
	"github.com/cognitoreset/cognitoreset/resetpw"
	"github.com/cognitoreset/cognitoreset/resetpw/resetpwtest"
)

// replicaTargets are the Cognito APIs the replica tests run on: the Fake
// itself, and the Server in front of it through the real SDK client.
var replicaTargets = []struct {
	name string
	api  func(t *testing.T, f *resetpwtest.Fake) resetpw.API
}{
	{"fake", func(_ *testing.T, f *resetpwtest.Fake) resetpw.API { return f }},
	{"server", func(t *testing.T, f *resetpwtest.Fake) resetpw.API {
		srv := resetpwtest.NewServer(f)
		t.Cleanup(srv.Close)
		return srv.Client()
	}},
}

// replicaWorld is a Fake (us-west-2) serving the secondary replica of a
// pool whose primary is in us-east-1 (R68), and a pool of its own, each
// with a user who would get an email code.
func replicaWorld(t *testing.T) (f *resetpwtest.Fake, replica, primary string) {
	t.Helper()
	f = resetpwtest.NewFake()
	replica = f.AddPool(types.UserPoolType{Id: aws.String("us-east-1_Replica01"), Arn: aws.String("arn:aws:cognito-idp:us-west-2:" + resetpwtest.DefaultAccount + ":userpool/us-east-1_Replica01")})
	primary = f.AddPool(types.UserPoolType{})
	for _, pool := range []string{replica, primary} {
		_, err := f.AddUser(pool, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
		require.NoError(t, err)
	}
	return f, replica, primary
}

// R68: a secondary replica takes no password resets. The preflight reads
// the pool, refuses the reset before sending as ErrNotEnabled naming the
// primary's Region, and CheckPool says which the pool is.
func TestReset_RefusedBeforeSendingInASecondaryReplica(t *testing.T) {
	for _, target := range replicaTargets {
		t.Run(target.name, func(t *testing.T) {
			f, replica, primary := replicaWorld(t)
			r, err := resetpw.New(target.api(t, f))
			require.NoError(t, err)
			ctx := context.Background()

			for _, preflight := range []resetpw.Preflight{resetpw.PreflightFull, resetpw.PreflightPool} {
				r, err := resetpw.New(target.api(t, f), resetpw.WithPreflight(preflight))
				require.NoError(t, err)
				_, err = r.Reset(ctx, resetpw.Request{UserPoolID: replica, Username: "diego"})
				require.ErrorIs(t, err, resetpw.ErrNotEnabled, preflight)
				var e *resetpw.Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, resetpw.OpPreflight, e.Op)
				assert.False(t, resetpw.MaybeSent(err))
				assert.Contains(t, err.Error(), "secondary replica")
				assert.Contains(t, err.Error(), "us-east-1", "the error names the primary's Region")
			}
			assert.Zero(t, f.Calls("AdminResetUserPassword"), "refused before sending")
			assert.Empty(t, f.Deliveries())

			rep, err := r.CheckPool(ctx, replica)
			require.NoError(t, err)
			assert.Equal(t, "SECONDARY", rep.Replica)
			assert.Equal(t, "us-east-1", rep.PrimaryRegion)
			assert.Equal(t, "us-west-2", rep.Region)
			assert.False(t, rep.Resettable)

			rep, err = r.CheckPool(ctx, primary)
			require.NoError(t, err)
			assert.Equal(t, "PRIMARY", rep.Replica)
			assert.Empty(t, rep.PrimaryRegion)
			assert.True(t, rep.Resettable)
			_, err = r.Reset(ctx, resetpw.Request{UserPoolID: primary, Username: "diego"})
			require.NoError(t, err, "a pool in its own Region is its primary")
		})
	}
}

// R22, R68: without a preflight nothing says the pool is a replica; the
// reset is sent and the replica's OperationNotEnabledException is
// ErrNotEnabled, answered, with no code sent.
func TestReset_SecondaryReplicaUnreadIsNotEnabled(t *testing.T) {
	for _, target := range replicaTargets {
		t.Run(target.name, func(t *testing.T) {
			f, replica, _ := replicaWorld(t)
			r, err := resetpw.New(target.api(t, f), resetpw.WithPreflight(resetpw.PreflightOff))
			require.NoError(t, err)
			_, err = r.Reset(context.Background(), resetpw.Request{UserPoolID: replica, Username: "diego"})
			require.ErrorIs(t, err, resetpw.ErrNotEnabled)
			assert.False(t, resetpw.MaybeSent(err))
			assert.Equal(t, 1, f.Calls("AdminResetUserPassword"))
			assert.Empty(t, f.Deliveries())
		})
	}
}

// R68: the Fake decides a replica as the library does, by the ARN's Region
// against the ID's, so CheckPool's Replica is what the Fake then does with
// a reset sent without a preflight. A pool added with an ID in another
// Region and no ARN is a primary there; only an ARN in another Region than
// the ID makes a secondary.
func TestFake_ReplicaExactlyWhenCheckPoolSaysSo(t *testing.T) {
	arn := func(region, id string) *string {
		return aws.String("arn:aws:cognito-idp:" + region + ":" + resetpwtest.DefaultAccount + ":userpool/" + id)
	}
	for _, target := range replicaTargets {
		for _, tc := range []struct {
			name    string
			pool    types.UserPoolType
			replica string
		}{
			{name: "the Fake's own ID", pool: types.UserPoolType{}, replica: "PRIMARY"},
			{name: "an ID in another Region, no ARN", pool: types.UserPoolType{Id: aws.String("us-east-1_Prim01")}, replica: "PRIMARY"},
			{name: "an ID and an ARN in another Region", pool: types.UserPoolType{Id: aws.String("us-east-1_Prim02"), Arn: arn("us-east-1", "us-east-1_Prim02")}, replica: "PRIMARY"},
			{name: "an ARN in another Region than the ID", pool: types.UserPoolType{Id: aws.String("us-east-1_Repl01"), Arn: arn("eu-west-1", "us-east-1_Repl01")}, replica: "SECONDARY"},
		} {
			t.Run(target.name+"/"+tc.name, func(t *testing.T) {
				f := resetpwtest.NewFake()
				id := f.AddPool(tc.pool)
				_, err := f.AddUser(id, resetpwtest.User("diego", "email", "diego@example.com", "email_verified", "true"))
				require.NoError(t, err)
				api := target.api(t, f)
				r, err := resetpw.New(api)
				require.NoError(t, err)
				rep, err := r.CheckPool(context.Background(), id)
				require.NoError(t, err)
				assert.Equal(t, tc.replica, rep.Replica)
				off, err := resetpw.New(api, resetpw.WithPreflight(resetpw.PreflightOff))
				require.NoError(t, err)
				_, err = off.Reset(context.Background(), resetpw.Request{UserPoolID: id, Username: "diego"})
				if tc.replica == "SECONDARY" {
					require.ErrorIs(t, err, resetpw.ErrNotEnabled, "the Fake refuses what CheckPool calls a secondary")
					assert.False(t, rep.Resettable)
					return
				}
				require.NoError(t, err, "the Fake resets what CheckPool calls a primary")
				assert.True(t, rep.Resettable)
			})
		}
	}
}

// R68: a reset in a secondary replica goes to the primary, whose delivery
// settings count; the replica may set its own. CheckPool on a secondary
// leaves the replica's senders, triggers and SMS settings out of the report
// and asks SNS, SES and End User Messaging nothing.
func TestCheckPool_SecondaryLeavesOutItsOwnDeliverySettings(t *testing.T) {
	for _, target := range replicaTargets {
		t.Run(target.name, func(t *testing.T) {
			f := resetpwtest.NewFake()
			lambda := &types.CustomSMSLambdaVersionConfigType{LambdaArn: aws.String("arn:aws:lambda:us-west-2:123456789012:function:sms"), LambdaVersion: types.CustomSMSSenderLambdaVersionTypeV10}
			id := f.AddPool(types.UserPoolType{Id: aws.String("us-east-1_Repl02"),
				Arn:                     aws.String("arn:aws:cognito-idp:us-west-2:" + resetpwtest.DefaultAccount + ":userpool/us-east-1_Repl02"),
				AutoVerifiedAttributes:  []types.VerifiedAttributeType{"phone_number", "email"},
				SmsConfiguration:        &types.SmsConfigurationType{SnsCallerArn: aws.String("arn:aws:iam::123456789012:role/sms"), SnsRegion: aws.String("us-west-2")},
				SmsConfigurationFailure: aws.String("SNSSandbox"),
				LambdaConfig:            &types.LambdaConfigType{CustomSMSSender: lambda, CustomMessage: aws.String("arn:aws:lambda:us-west-2:123456789012:function:msg")},
				EmailConfiguration:      &types.EmailConfigurationType{EmailSendingAccount: types.EmailSendingAccountTypeDeveloper, SourceArn: aws.String("arn:aws:ses:us-west-2:123456789012:identity/example.net")},
			})
			r, err := resetpw.New(target.api(t, f), groundtruth.WithSNS(f.SNS()), groundtruth.WithSES(f.SES()), groundtruth.WithEndUserMessaging(f.SNS()))
			require.NoError(t, err)
			rep, err := r.CheckPool(context.Background(), id)
			require.NoError(t, err)
			assert.Equal(t, "SECONDARY", rep.Replica)
			assert.Equal(t, "us-east-1", rep.PrimaryRegion)
			assert.False(t, rep.CustomSMSSender || rep.CustomEmailSender || rep.CustomMessage, "the replica's triggers deliver no reset")
			assert.Empty(t, rep.SNSRegion)
			assert.Empty(t, rep.SMSConfigurationFailure)
			assert.Equal(t, "NOT_USED", rep.SMSSandbox)
			assert.Equal(t, "NOT_USED", rep.SESState)
			assert.Empty(t, rep.SMSSender)
			assert.Empty(t, rep.EmailSender)
			for _, op := range []resetpwtest.Operation{"GetSMSSandboxAccountStatus", "DescribeAccountAttributes", "GetAccount", "GetEmailIdentity"} {
				assert.Zero(t, f.Calls(op), op)
			}
		})
	}
}
