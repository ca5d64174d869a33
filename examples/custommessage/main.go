// Command custommessage is an Amazon Cognito custom message Lambda: a reset
// (AdminResetUserPassword, ForgotPassword) sends the user a link to the
// app's reset page, carrying the code, instead of a code to type. See
// README.md for deploying it and for the page's half.
//
// Its settings come from the function's environment:
//
//	RESET_URL    the app's reset page, such as https://app.example.com/reset (required)
//	APP_ORIGINS  origins a caller may choose with ClientMetadata "app_origin",
//	             comma-separated, such as https://eu.app.example.com (optional)
package main

import (
	"log"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/cognitoreset/cognitoreset/custommessage"
)

// Messages. {link}, {####}, {username} and {meta:KEY} are the package's
// slots: go doc github.com/cognitoreset/cognitoreset/custommessage.
var (
	forgotPassword = custommessage.Templates{
		EmailSubject: "Reset your password",
		EmailHTML: `<p>Hello {username},</p>
<p>Someone asked to reset the password of your account. If it was you,
<a href="{link}">choose a new password</a> within an hour.</p>
<p>If it wasn't you, ignore this email: your password stays as it is.</p>`,
		SMS: "Reset your password: {link}",
	}
	adminCreateUser = custommessage.Templates{
		EmailSubject: "Your new account",
		EmailText:    "Your username: {username}\nYour temporary password: {####}\nSign in at {link} to choose your own.",
		SMS:          "Username {username}, temporary password {####}",
	}
)

func main() {
	h, err := custommessage.New(config(os.Getenv))
	if err != nil {
		log.Fatal(err) // at init: Lambda reports the failed start
	}
	lambda.Start(h.Handle)
}

// config reads the handler's settings from the environment.
func config(getenv func(string) string) custommessage.Config {
	c := custommessage.Config{
		ResetURL:        getenv("RESET_URL"),
		ForgotPassword:  forgotPassword,
		AdminCreateUser: adminCreateUser,
	}
	if o := getenv("APP_ORIGINS"); o != "" {
		c.OriginKey = "app_origin"
		for _, s := range strings.Split(o, ",") {
			c.Origins = append(c.Origins, strings.TrimSpace(s))
		}
	}
	return c
}
