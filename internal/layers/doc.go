// Package layers holds no code: its test checks that gojoser's packages import one way, httpapi ->
// services -> ent, so the rule does not depend on anyone remembering it.
package layers
