namespace City.Edge.Configuration;

/// <summary>The version of the configuration the loops of this run were built from (Birth.config_version; empty: not tracked).</summary>
internal sealed record RunningConfig(string Version, int Number, string Source);
