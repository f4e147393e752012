#pragma once

// The canonical form of a registration form: what is validated, hashed (the gateway's idempotency
// key) and stored. form.proto: "Leading and trailing white space is removed before a value is
// checked, compared or stored", and the ID number is upper-cased.

#include "unemployment/common/v1/form.pb.h"

namespace unemployment::forms {

// Removes leading and trailing white space from every string of `form` (ASCII white space and
// U+3000 IDEOGRAPHIC SPACE, as validation::TrimText) and normalises the ID number
// (NormalizePersonId). Nothing else is changed, so equal forms typed differently become equal.
void NormalizeForm(common::v1::RegistrationForm& form);

// Trims the ID number like any other string and upper-cases its ASCII letters, so a lower-case
// check character "x" is stored as "X" (PersonId.id_number). For requests that carry a PersonId
// without a form, too.
void NormalizePersonId(common::v1::PersonId& person_id);

}  // namespace unemployment::forms
