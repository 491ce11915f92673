using System.Net;
using City.Protocols.Snmp;

namespace City.Benchmarks.Snmp;

/// <summary>
/// <c>snmp-agent --port P --rows N</c>: our SnmpAgent serving an N-row ifTable-like table (community "public", v3 user
/// "bench" SHA-256/AES) on 127.0.0.1:P until its standard input closes or it is interrupted.
/// </summary>
internal static class SnmpAgentCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        int port = SnmpBenchSetup.IntOption(args, "--port", 16161);
        int rows = SnmpBenchSetup.IntOption(args, "--rows", 10_000);
        var mib = new MibTree();
        await using SnmpAgent agent = SnmpAgent.CreateUdp(mib, new IPEndPoint(IPAddress.Loopback, port));
        Mib2System.Register(mib, () => agent.UpTime, "City SNMP benchmark agent", Oid.Parse("1.3.6.1.4.1.8072.3.2.10"));
        SnmpBenchSetup.AddInterfaceTable(mib, rows);
        agent.AddCommunity(SnmpBenchSetup.Community);
        agent.AddUser(SnmpBenchSetup.CreateUser());
        agent.Start();

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        Console.WriteLine($"snmp-agent ready on {agent.LocalEndPoint} with {rows} rows");
        Task stdinClosed = Task.Run(() => Console.In.ReadToEnd(), CancellationToken.None);
        await Task.WhenAny(stdinClosed, Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default)).ConfigureAwait(false);
        Console.WriteLine($"snmp-agent stopping: {agent.HandledRequests} requests handled, {agent.DroppedDatagrams} dropped");
        if (agent.LastTransportError is not null)
        {
            Console.Error.WriteLine($"last transport error: {agent.LastTransportError}");
        }

        return 0;
    }
}
