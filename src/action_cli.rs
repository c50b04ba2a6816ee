//! `mdops action NAME`: one runbook action from a shell, through the same
//! checks, confirmation, audit log and engine as the console.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use tokio::sync::mpsc;

use crate::actions::audit::AuditLog;
use crate::actions::engine::Engine;
use crate::actions::prepare::{ActionEnv, Target, prepare};
use crate::actions::runbook::Runbooks;
use crate::cli::{ActionArgs, GlobalArgs};
use crate::config::Config;
use crate::sources::agent::AgentClient;
use crate::sources::alertmanager::AlertmanagerClient;
use crate::upstream::environment_token;

/// Exit code of a refusal or a usage error (nothing ran).
const REFUSED: u8 = 2;

pub async fn run(global: &GlobalArgs, config: &Config, args: &ActionArgs) -> anyhow::Result<ExitCode> {
    let runbooks = config.actions.load_runbooks()?;
    if args.list {
        print_list(&runbooks);
        return Ok(ExitCode::SUCCESS);
    }
    let name = args.name.as_deref().unwrap_or_default();
    let Some(action) = runbooks.get(name) else {
        let names: Vec<&str> = runbooks.actions.iter().map(|a| a.name.as_str()).collect();
        eprintln!(
            "mdops: no action {name:?}; the runbooks have: {}",
            names.join(", ")
        );
        return Ok(ExitCode::from(REFUSED));
    };
    // The environment the console would start on: `--env`, else the first.
    let (mut environments, active) = crate::environments::resolve(global, config)?;
    let environment = environments.swap_remove(active);
    let agent_url = environment.agent.as_deref().with_context(|| {
        if environment.named {
            format!(
                "mdops action acts on a running agent: environment `{}` has none (environments[].agent)",
                environment.name
            )
        } else {
            "mdops action acts on a running agent: give --agent URL (or agent.url)".to_string()
        }
    })?;
    let timeout = Duration::from_millis(config.agent.request_timeout_ms);
    let agent = AgentClient::new(agent_url, timeout)?.with_token(environment_token(&environment)?);
    let alertmanager = environment
        .alertmanager
        .as_deref()
        .map(|url| {
            AlertmanagerClient::new(url, Duration::from_millis(config.alertmanager.request_timeout_ms))
        })
        .transpose()?;
    let kube = match &environment.kube {
        Some(target) => Some(crate::sources::kube::connect(target).await?),
        None => None,
    };
    let env = ActionEnv {
        user: config.incidents.author(),
        role: config.actions.role,
        read_only: global.read_only,
        kube: kube.as_ref().map(|k| (k.context.clone(), k.namespace.clone())),
        agent_url: agent.base().to_string(),
        alertmanager: alertmanager.is_some(),
    };
    let target = args.target.as_ref().map(|name| Target {
        scope: action.scope,
        name: name.clone(),
    });
    let prepared = match prepare(action, target.as_ref(), &env, None) {
        Ok(prepared) => prepared,
        Err(why) => {
            eprintln!("mdops: {}: {why}", action.name);
            return Ok(ExitCode::from(REFUSED));
        }
    };
    let given = parse_params(&args.params)?;
    let values: Vec<String> = prepared
        .prompts
        .iter()
        .map(|p| given.get(p.param).cloned().unwrap_or_else(|| p.initial.clone()))
        .collect();
    let mut stdout = std::io::stdout().lock();
    for line in &prepared.lines {
        writeln!(stdout, "  {line}")?;
    }
    for (prompt, value) in prepared.prompts.iter().zip(&values) {
        writeln!(stdout, "  {}: {value}", prompt.label)?;
    }
    if args.dry_run && !prepared.dry_run_supported {
        eprintln!("mdops: {}: its API has no dry run; nothing was done", action.name);
        return Ok(ExitCode::from(REFUSED));
    }
    let typed = if args.yes || args.dry_run {
        prepared.confirm_name.clone().unwrap_or_default()
    } else {
        match ask(&mut stdout, prepared.confirm_name.as_deref())? {
            Some(answer) => answer,
            None => {
                eprintln!("mdops: not confirmed; nothing was done (--yes confirms without asking)");
                return Ok(ExitCode::from(REFUSED));
            }
        }
    };
    let request = match prepared.confirm(&values, &typed, args.dry_run, &env) {
        Ok(request) => request,
        Err(why) => {
            eprintln!("mdops: {}: {why}; nothing was done", action.name);
            return Ok(ExitCode::from(REFUSED));
        }
    };
    drop(stdout);
    let engine = Engine {
        agent,
        alertmanager,
        kube,
        audit: AuditLog::open(&config.actions.audit_path())?,
    };
    let (lines, mut received) = mpsc::channel::<crate::actions::exec::OutputLine>(64);
    let printer = tokio::spawn(async move {
        while let Some(line) = received.recv().await {
            if line.stderr {
                eprintln!("{}", line.text);
            } else {
                println!("{}", line.text);
            }
        }
    });
    let outcome = engine.run(&request, lines).await;
    let _ = printer.await;
    let verdict = if outcome.ok { "done" } else { "FAILED" };
    println!(
        "{} {verdict} in {:.1}s: {}",
        request.describe(),
        outcome.duration.as_secs_f64(),
        outcome.summary
    );
    Ok(if outcome.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Asks for confirmation on the terminal: the name for a destructive
/// action, else y/N. `None` when refused or when no one can answer.
fn ask(out: &mut impl Write, name: Option<&str>) -> anyhow::Result<Option<String>> {
    if !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    match name {
        Some(name) => write!(out, "Type {name:?} to confirm: ")?,
        None => write!(out, "Run it? [y/N] ")?,
    }
    out.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    let answer = answer.trim().to_string();
    Ok(match name {
        Some(_) => Some(answer),
        None if answer.eq_ignore_ascii_case("y") || answer.eq_ignore_ascii_case("yes") => Some(String::new()),
        None => None,
    })
}

fn parse_params(params: &[String]) -> anyhow::Result<BTreeMap<&str, String>> {
    params
        .iter()
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.trim(), v.to_string()))
                .with_context(|| format!("--param {p:?}: expected KEY=VALUE"))
        })
        .collect()
}

fn print_list(runbooks: &Runbooks) {
    for action in &runbooks.actions {
        let key = action.key.map(|k| format!("[{k}]")).unwrap_or_default();
        let mark = if action.destructive { " (destructive)" } else { "" };
        println!(
            "{:<16} {:<4} {:<10} {:<20} {}{mark}",
            action.name,
            key,
            action.scope.as_str(),
            action.kind.name(),
            action.description
        );
    }
}
