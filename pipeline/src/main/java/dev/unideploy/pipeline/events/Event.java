package dev.unideploy.pipeline.events;

/** Something a step reports; the CLI, the GitHub Action and tests decide how to show it. */
public sealed interface Event permits LogEvent, ProgressEvent, TimingEvent, ResultEvent {}
