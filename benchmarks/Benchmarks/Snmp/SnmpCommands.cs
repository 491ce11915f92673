namespace City.Benchmarks.Snmp;

/// <summary>Dispatch of the SNMP benchmarks' subcommands (benchmarks/snmp-walk-compare.sh, benchmarks/priority-ack.sh).</summary>
internal static class SnmpCommands
{
    public static Task<int> RunAsync(string command, string[] args) => command switch
    {
        "snmp-agent" => SnmpAgentCommand.RunAsync(args),
        "snmp-walk" => SnmpWalkCommand.RunAsync(args),
        "priority-set" => PrioritySetCommand.RunAsync(args),
        _ => throw new ArgumentException($"Unknown SNMP benchmark command '{command}'.", nameof(command)),
    };
}
