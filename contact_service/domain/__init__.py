"""Pure domain: rules and values of the collection-contact domain. Imports nothing outside the standard library,
`phonenumbers` and `zoneinfo`."""
