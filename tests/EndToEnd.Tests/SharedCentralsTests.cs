using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Npgsql;
using Xunit.Abstractions;

namespace City.EndToEnd.Tests;

/// <summary>
/// Three centrals on one mosquitto and one PostgreSQL database, sharing the gateways' data through an MQTT 5 shared
/// subscription, under <c>citysim load</c>; one central is killed with SIGKILL mid-run and started again. The load
/// generator publishes a fixed number of batches per gateway, publishes a batch again while its ack is missing, and logs
/// the time of each batch's first ack; the database must then hold every batch exactly once, and no ack may be older
/// than the commit of its batch's row.
/// </summary>
[Collection("processes")]
public sealed class SharedCentralsTests(ITestOutputHelper log)
{
    private const int Centrals = 3;
    private const int Gateways = 20;
    private const int BatchesPerGateway = 40;
    private const int Points = 10;
    private const int ReadingsPerPoint = 5;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Three_centrals_share_the_load_store_every_batch_once_and_ack_only_after_the_commit_even_when_one_is_killed()
    {
        var directory = Directory.CreateTempSubdirectory("city-shared-").FullName;
        var connectionString = await PostgresServer.Shared.CreateDatabaseAsync("shared_e2e");
        var mqttPort = FreePort.Tcp();
        await using var mosquitto = await StartMosquittoAsync(directory, mqttPort);
        var httpPorts = Enumerable.Range(0, Centrals).Select(_ => FreePort.Tcp()).ToArray();
        var centrals = new ManagedProcess?[Centrals];
        try
        {
            // One at a time: the first applies the schema migrations (the others would wait on its advisory lock anyway).
            for (var i = 0; i < Centrals; i++)
            {
                centrals[i] = await StartCentralAsync(i, directory, mqttPort, httpPorts[i], connectionString);
            }

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            for (var i = 0; i < Centrals; i++)
            {
                var health = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{Text(httpPorts[i])}/healthz"))!;
                Assert.Equal(InstanceId(i), (string?)health["instance"]);
            }

            var ackLog = Path.Combine(directory, "acks.csv");
            await using var load = ManagedProcess.Start("simulators/CitySim", "citysim",
            [
                "load", "--broker", $"127.0.0.1:{Text(mqttPort)}", "--gateways", Text(Gateways), "--points", Text(Points),
                "--readings-per-point", Text(ReadingsPerPoint), "--window", "4", "--batches", Text(BatchesPerGateway),
                "--resend-after", "2", "--drain", "60", "--duration", "150", "--ack-log", ackLog,
            ], log, "citysim load");

            // Mid-run: a quarter of the batches stored, the second central dies without a word, then comes back.
            await using (var db = await OpenAsync(connectionString))
            {
                await Eventually.ReturnsAsync(
                    async () => await CountAsync(db, "SELECT count(*) FROM batches") >= Gateways * BatchesPerGateway / 4 ? (long?)1 : null,
                    Patience,
                    "a quarter of the batches stored");
            }

            await centrals[1]!.KillHardAsync();
            await centrals[1]!.DisposeAsync();
            centrals[1] = null;
            await Task.Delay(TimeSpan.FromSeconds(1));
            centrals[1] = await StartCentralAsync(1, directory, mqttPort, httpPorts[1], connectionString, restarted: true);

            Assert.Equal(0, await load.WaitForExitAsync(TimeSpan.FromSeconds(240)));

            // Every batch acknowledged: one ack-log line per (gateway, seq), gateways x batches of them.
            var acks = File.ReadAllLines(ackLog).Skip(1).Select(line => line.Split(',')).ToList();
            Assert.Equal(Gateways * BatchesPerGateway, acks.Count);
            Assert.Equal(acks.Count, acks.Select(a => (a[0], a[2])).Distinct().Count());

            await using var check = await OpenAsync(connectionString);
            await CheckStoredOnceAsync(check);
            await CheckAcksFollowCommitsAsync(check, acks);
            Assert.All(centrals, c => Assert.False(c!.HasExited));
        }
        finally
        {
            foreach (var central in centrals)
            {
                if (central is not null)
                {
                    await central.DisposeAsync();
                }
            }

            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Each batch once (its key is the primary key; the count says none is missing), each reading once.</summary>
    private static async Task CheckStoredOnceAsync(NpgsqlConnection db)
    {
        const int Batches = Gateways * BatchesPerGateway;
        Assert.Equal(Batches, await CountAsync(db, "SELECT count(*) FROM batches WHERE kind = 'telemetry'"));
        Assert.Equal(Gateways, await CountAsync(db, "SELECT count(DISTINCT gateway) FROM batches"));
        Assert.Equal(
            0,
            await CountAsync(db, $"SELECT count(*) FROM (SELECT gateway FROM batches GROUP BY gateway, buffer_id HAVING count(*) <> {Text(BatchesPerGateway)} OR min(seq) <> 1 OR max(seq) <> {Text(BatchesPerGateway)}) wrong"));
        Assert.Equal((long)Batches * Points * ReadingsPerPoint, await CountAsync(db, "SELECT count(*) FROM readings"));
        Assert.Equal(0, await CountAsync(db, "SELECT count(*) FROM (SELECT 1 FROM readings GROUP BY gateway, point, ts HAVING count(*) > 1) twice"));
        Assert.Equal(0, await CountAsync(db, "SELECT count(*) FROM (SELECT 1 FROM readings GROUP BY gateway, buffer_id, seq HAVING count(*) <> " + Text(Points * ReadingsPerPoint) + ") wrong"));
    }

    /// <summary>
    /// No ack before its commit. PostgreSQL records each transaction's commit time (track_commit_timestamp=on in the test
    /// clusters); the batch row's xmin is the transaction that inserted it, so pg_xact_commit_timestamp(xmin) is the moment
    /// the batch became durable. The load generator logged when each batch's first ack reached it, on the same clock: an
    /// ack sent before the commit would arrive before that moment.
    /// </summary>
    private async Task CheckAcksFollowCommitsAsync(NpgsqlConnection db, List<string[]> acks)
    {
        Assert.Equal("on", await ScalarAsync<string>(db, "SHOW track_commit_timestamp"));
        await using (var create = new NpgsqlCommand("CREATE TEMP TABLE acks (gateway text, buffer_id text, seq bigint, acked_at_us bigint)", db))
        {
            await create.ExecuteNonQueryAsync();
        }

        await using (var writer = await db.BeginTextImportAsync("COPY acks FROM STDIN (FORMAT csv)"))
        {
            foreach (var ack in acks)
            {
                await writer.WriteLineAsync(string.Join(',', ack));
            }
        }

        const string Joined = """
            FROM acks a JOIN batches b USING (gateway, buffer_id, seq),
                 LATERAL (SELECT (extract(epoch FROM pg_xact_commit_timestamp(b.xmin)) * 1000000)::bigint AS committed_us) c
            """;
        Assert.Equal(acks.Count, await CountAsync(db, $"SELECT count(*) {Joined} WHERE c.committed_us IS NOT NULL"));
        Assert.Equal(0, await CountAsync(db, $"SELECT count(*) {Joined} WHERE a.acked_at_us < c.committed_us"));
        log.WriteLine($"ack - commit, smallest: {await ScalarAsync<long>(db, $"SELECT min(a.acked_at_us - c.committed_us) {Joined}")} µs, median: {await ScalarAsync<double>(db, $"SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY a.acked_at_us - c.committed_us) {Joined}")} µs");
    }

    private async Task<ManagedProcess> StartCentralAsync(int index, string directory, int mqttPort, int httpPort, string connectionString, bool restarted = false)
    {
        List<string> arguments =
        [
            $"--Central:DataPath={Path.Combine(directory, "central-" + Text(index))}",
            $"--Central:HttpUrl=http://127.0.0.1:{Text(httpPort)}",
            $"--Central:InstanceId={InstanceId(index)}",
            "--Central:Mqtt:Mode=external",
            "--Central:Mqtt:Host=127.0.0.1",
            $"--Central:Mqtt:Port={Text(mqttPort)}",
            "--Central:Mqtt:AllowPlain=true",
            "--Central:Mqtt:SharedGroup=centrals",
            "--Central:Store:Kind=postgres",
            $"--Central:Store:ConnectionString={connectionString}",
        ];
        arguments.AddRange(Enumerable.Range(0, Gateways).Select(g => $"--Central:AllowedGateways:{Text(g)}=load-{Text(g)}"));
        var central = ManagedProcess.Start("central/Central", "central", arguments, log, InstanceId(index) + (restarted ? " (restarted)" : string.Empty));
        await central.WaitForOutputAsync($"(plain) as central:ingest-{InstanceId(index)}", Patience);
        return central;
    }

    private static string InstanceId(int index) => "c" + Text(index);

    private static async Task<PeerProcess> StartMosquittoAsync(string directory, int port)
    {
        var executable = PeerProcess.RequireExecutable("/usr/sbin/mosquitto", "apt-get install -y mosquitto");
        var config = Path.Combine(directory, "mosquitto.conf");
        await File.WriteAllTextAsync(config, $"""
            listener {Text(port)} 127.0.0.1
            allow_anonymous true
            persistence false
            max_queued_messages 100000
            max_inflight_messages 100

            """);
        var process = PeerProcess.Start(executable, "-c", config);
        await process.WaitUntilListeningAsync(new IPEndPoint(IPAddress.Loopback, port), Patience);
        return process;
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<long> CountAsync(NpgsqlConnection db, string sql) => await ScalarAsync<long>(db, sql);

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection db, string sql)
    {
        await using var command = new NpgsqlCommand(sql, db);
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T), CultureInfo.InvariantCulture);
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
