package resetpw

// Delivery says where Cognito sends the code.
type Delivery struct {
	Medium            Medium // MediumEmail or MediumSMS
	MaskedDestination string // as Cognito shows it: d***@e***.com, +*******0100
	Sender            Sender // who hands it over
}

// Medium is how a code travels (Delivery.Medium), as Cognito names it.
type Medium string

// Delivery media, as Cognito names them.
const (
	MediumEmail Medium = "EMAIL"
	MediumSMS   Medium = "SMS"
)

// Sender is who hands the code to the user (Delivery.Sender,
// PoolReport.EmailSender and PoolReport.SMSSender).
type Sender string

// Who hands the code to the user.
const (
	SenderSNS            Sender = "SNS"             // Amazon SNS, with the pool's SMS role
	SenderSES            Sender = "SES"             // the pool's own Amazon SES identity (EmailSendingAccount DEVELOPER)
	SenderCognitoDefault Sender = "COGNITO_DEFAULT" // Cognito's built-in email, with its daily cap (R20)
	SenderLambda         Sender = "LAMBDA"          // a custom SMS or email sender trigger (R12, R13)
)
