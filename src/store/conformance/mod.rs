//! The store's behaviour, one test body per behaviour, run on every
//! backend: redb in memory, and with the `postgres` feature a fresh
//! PostgreSQL database on the test cluster. A backend passes only what the
//! other passes.

mod keys;
mod profiles;
mod tokens;
mod users;

use keys::*;
use profiles::*;
use tokens::*;
use users::*;

/// A `#[test]` per body and backend.
macro_rules! on_every_backend {
    ($($name:ident),* $(,)?) => {
        mod redb {
            $(
                #[test]
                fn $name() {
                    super::$name(crate::store::Store::open_in_memory().unwrap());
                }
            )*
        }
        #[cfg(feature = "postgres")]
        mod postgres {
            $(
                #[test]
                fn $name() {
                    super::$name(crate::store::postgres::test_support::open(stringify!($name)));
                }
            )*
        }
    };
}

on_every_backend!(
    revoking_a_user_blacklists_only_their_live_tokens,
    one_rotation_wins_within_a_batch,
    a_batch_of_rotations_is_decided_as_one_after_another,
    a_foreign_token_starts_its_own_family,
    reuse_revokes_the_family_when_asked,
    a_logged_out_token_rotated_is_refused_not_reuse,
    blacklist_once,
    purge_removes_rows_at_and_after_exp,
    the_blacklist_keeps_why,
    token_state_reads_the_blacklist_and_the_user_together,
    users_get_increasing_ids_that_are_never_reused,
    an_explicit_id_below_the_next_free_one_refuses_older_tokens,
    add_users_is_all_or_nothing,
    conflicts_within_one_creation_are_found_before_anything_is_written,
    update_and_delete_user,
    users_page_by_page_and_changes_by_id,
    the_last_active_superuser_is_kept_when_asked_and_only_then,
    user_changes_in_one_batch_see_each_other,
    record_login_updates_the_user,
    emails_and_names_are_kept_and_found_exactly,
    signing_keys_are_kept_listed_and_retired,
    signing_key_is_generated_once,
);
