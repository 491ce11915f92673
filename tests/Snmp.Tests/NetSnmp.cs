namespace City.Protocols.Snmp.Tests;

/// <summary>net-snmp's programs run as peers: found or the test fails with an install hint, and run without MIB loading.</summary>
internal static class NetSnmp
{
    // Numeric OIDs only, and none of the "Cannot find module" noise.
    private static readonly Dictionary<string, string> NoMibs = new() { ["MIBS"] = "", ["MIBDIRS"] = "/nonexistent" };

    public static string Require(string program) =>
        PeerProcess.RequireExecutable(program, "apt-get install -y snmp snmpd (test.sh does this).");

    public static PeerProcess Start(string program, IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        var withoutMibs = new Dictionary<string, string>(NoMibs);
        foreach ((string key, string value) in environment ?? new Dictionary<string, string>())
        {
            withoutMibs[key] = value;
        }

        return PeerProcess.Start(Require(program), arguments, withoutMibs);
    }

    /// <summary>Runs a net-snmp client to completion; returns its exit code and combined output.</summary>
    public static Task<(int ExitCode, string Output)> RunAsync(string program, params string[] arguments) =>
        PeerProcess.RunAsync(TimeSpan.FromSeconds(60), Require(program), arguments, NoMibs);
}
