namespace City.Benchmarks.Snmp;

/// <summary>Dispatch of the SNMP walk benchmark's subcommands (see benchmarks/snmp-walk-compare.sh).</summary>
internal static class SnmpCommands
{
    public static Task<int> RunAsync(string command, string[] args) => command switch
    {
        "snmp-agent" => SnmpAgentCommand.RunAsync(args),
        "snmp-walk" => SnmpWalkCommand.RunAsync(args),
        _ => throw new ArgumentException($"Unknown SNMP benchmark command '{command}'.", nameof(command)),
    };
}
