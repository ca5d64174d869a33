package resetpwtest

// SetEUMSVerifiedNumbers gives f's End User Messaging a list of verified
// destination numbers of its own, apart from SNS's (fake_eums.go).
func SetEUMSVerifiedNumbers(f *Fake, numbers ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.eumsNumber = map[string]bool{}
	for _, n := range numbers {
		f.eumsNumber[n] = true
	}
}
