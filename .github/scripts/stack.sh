#!/usr/bin/env bash
# Runs Terraform for ONE stack, as `npm run ci` decided; decides nothing itself.
#
#   stack.sh plan-readonly <stack> <ci-dir>   read-only plan (-lock=false: pull requests, preview, drift);
#                                             records the result with `npm run ci -- record`
#   stack.sh apply <stack> <ci-dir>           plan with the deploy role (waits for the state lock), shows
#                                             it in the job summary, applies exactly that plan
#   stack.sh destroy <stack> <ci-dir> <out>   the same for a destroy, from the synthesized directory <out>
#
# Plan files hold state in cleartext: they never leave the job (no artifact carries them). The
# readable `terraform show` goes to the job summary (capped) and to <ci-dir>/show/<stack>.md.
# A read-only plan also leaves <ci-dir>/plans/<stack>.json for the review (`npm run review --
# --plans`): `terraform show -json` reduced to each resource's address, type and actions (why
# and what forces a replacement, a move's previous address), no values, since the whole JSON
# prints sensitive values in plain text.
set -euo pipefail

cmd=${1:?command}
stack=${2:?stack}
ci=${3:?ci directory}
out=${4:-cdktf.out}
dir="$out/stacks/$stack"
lock_timeout=10m
# The job summary holds at most 1 MiB per step, and GitHub drops the whole of a step's summary that
# passes it: each plan gets a share; past summary_limit a plan gets one line instead, and past
# lines_limit nothing (the rest of the 1 MiB is left to the lines the workflow itself writes).
# The full text stays in <ci-dir>/show and the run log.
summary_cap=60000
summary_limit=900000
lines_limit=960000
# A job's AWS session cannot be renewed, and Terraform writes the state back with it as an apply
# ends: an apply that outlives it cannot write its final state, nor errored.tfstate to the
# bucket. So an apply or destroy starts only while the session has session_margin seconds left
# (a new global table replica alone takes many minutes); otherwise the job stops, and re-running
# it goes on from its ledger with a new session. CI_SESSION_ENDS_AT (seconds since the epoch) is
# set by the job before it assumes its role; without it nothing is checked.
session_margin=3600

mkdir -p "$ci/show" "$ci/results" "$ci/plans"

show() {
  local title=$1 file="$ci/show/$stack.md"
  {
    echo "<details><summary>$title</summary>"
    echo
    echo '```'
    terraform -chdir="$dir" show -no-color tfplan
    echo '```'
    echo '</details>'
  } > "$file"
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    local used=0 size
    [ -f "$GITHUB_STEP_SUMMARY" ] && used=$(wc -c < "$GITHUB_STEP_SUMMARY")
    size=$(wc -c < "$file")
    [ "$size" -gt "$summary_cap" ] && size=$((summary_cap + 100))
    if [ $((used + size)) -gt "$summary_limit" ]; then
      if [ "$used" -lt "$lines_limit" ]; then
        printf -- '- %s: not shown (this step'"'"'s summary is full); the whole plan is in the run log\n' "$title" >> "$GITHUB_STEP_SUMMARY"
      fi
    elif [ "$(wc -c < "$file")" -gt "$summary_cap" ]; then
      { head -c "$summary_cap" "$file"; printf '\n```\n(cut: the whole plan is in the run log)\n</details>\n'; } >> "$GITHUB_STEP_SUMMARY"
    else
      cat "$file" >> "$GITHUB_STEP_SUMMARY"
    fi
  fi
}

# State Terraform could not write back (errored.tfstate) holds secrets in cleartext: it goes to the
# state bucket, beside the stack's state and under its encryption and access rules, never to an
# artifact. Recover it with `terraform state push` (README, "CI").
keep_errored_state() {
  local file="$dir/errored.tfstate"
  [ -f "$file" ] || return 0
  local bucket key
  bucket=$(jq -r '.terraform.backend.s3.bucket' "$dir/cdk.tf.json")
  key="$(dirname "$(jq -r '.terraform.backend.s3.key' "$dir/cdk.tf.json")")/errored/${GITHUB_RUN_ID:-local}-${GITHUB_RUN_ATTEMPT:-1}.tfstate"
  aws s3 cp --only-show-errors "$file" "s3://$bucket/$key"
  echo "::error::$stack: Terraform could not save its state; it is in s3://$bucket/$key (terraform state push it)"
}

if [ "$cmd" != plan-readonly ] && [ -n "${CI_SESSION_ENDS_AT:-}" ]; then
  left=$((CI_SESSION_ENDS_AT - $(date +%s)))
  if [ "$left" -lt "$session_margin" ]; then
    echo "::error::$stack: $cmd not started: this job's AWS session ends in $((left / 60)) min, less than the $((session_margin / 60)) min an apply may take (Terraform could not write its final state after it). Re-run the failed jobs: the new attempt has a new session and skips the stacks this one applied."
    exit 1
  fi
fi

if ! terraform -chdir="$dir" init -input=false -no-color; then
  # A read-only plan records its failure, so a report (drift, pull request) lists it and goes on.
  [ "$cmd" = plan-readonly ] && npm run -s ci -- record --results "$ci/results" --stack "$stack" --failed
  exit 1
fi

case "$cmd" in
  plan-readonly)
    if terraform -chdir="$dir" plan -input=false -no-color -lock=false -out=tfplan; then
      terraform -chdir="$dir" show -json tfplan > "$dir/plan.json"
      jq '{resource_changes: [(.resource_changes // [])[] | {address, type, mode, previous_address, action_reason, change: {actions: .change.actions, replace_paths: .change.replace_paths}}]}' \
        "$dir/plan.json" > "$ci/plans/$stack.json"
      npm run -s ci -- record --results "$ci/results" --stack "$stack" --show "$dir/plan.json"
      show "$stack (read-only plan)"
    else
      npm run -s ci -- record --results "$ci/results" --stack "$stack" --failed
    fi
    ;;
  apply)
    code=0
    terraform -chdir="$dir" plan -input=false -no-color -lock-timeout="$lock_timeout" -detailed-exitcode -out=tfplan || code=$?
    case "$code" in
      0) echo "$stack: no changes" ;;
      2)
        show "$stack (applied)"
        terraform -chdir="$dir" apply -input=false -no-color -lock-timeout="$lock_timeout" tfplan || { keep_errored_state; exit 1; }
        ;;
      *) exit "$code" ;;
    esac
    ;;
  destroy)
    terraform -chdir="$dir" plan -destroy -input=false -no-color -lock-timeout="$lock_timeout" -out=tfplan
    show "$stack (destroyed)"
    terraform -chdir="$dir" apply -input=false -no-color -lock-timeout="$lock_timeout" tfplan || { keep_errored_state; exit 1; }
    ;;
  *)
    echo "usage: stack.sh plan-readonly|apply|destroy <stack> <ci-dir> [<synth-dir>]" >&2
    exit 2
    ;;
esac
