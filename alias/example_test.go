package alias_test

import (
	"fmt"

	"github.com/cognitoreset/cognitoreset/alias"
)

func ExampleClassify() {
	for _, s := range []string{"diego", "diego@example.com", "+1 206-555-0100", "8f14e45f-ceea-467f-a0e6-3b1d2c4f5a6b"} {
		fmt.Println(alias.Classify(s))
	}
	// Output:
	// username
	// email
	// phone_number
	// sub
}

func ExampleNormalize() {
	insensitive := alias.PoolConfig{CaseSensitive: false}
	email, _ := alias.Normalize(" Diego@Example.COM ", alias.Email, insensitive, alias.Options{})
	phone, _ := alias.Normalize("(206) 555-0100", alias.Phone, insensitive, alias.Options{DefaultCountryCode: "1"})
	_, err := alias.Normalize("diego ramirez", alias.Username, insensitive, alias.Options{})
	fmt.Println(email)
	fmt.Println(phone)
	fmt.Println(err)
	// Output:
	// diego@example.com
	// +12065550100
	// alias: invalid identifier: username d***: holds white space
}

func ExampleMask() {
	fmt.Println(alias.Mask("diego@example.com"))
	fmt.Println(alias.Mask("+12065550100"))
	fmt.Println(alias.Mask("diego"))
	fmt.Println(alias.Mask("ab"))
	// Output:
	// d***@e***.com
	// +*******0100
	// d***
	// ***
}
