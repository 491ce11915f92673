namespace City.Edge.Hosting;

/// <summary>
/// Tells the loops of one run whether the run is ending to make way for the next (a configuration reload) rather than
/// because the process stops: systemd must hear STOPPING=1 only for the latter, or it takes the service for stopping.
/// </summary>
internal sealed record RunHandover(Func<bool> ReplacingRun);
