using System.Net;
using System.Text;
using System.Text.Json;
using City.Central.Auth;
using City.Contract;
using City.Contract.Wire;
using CsCheck;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace City.Central.Tests;

/// <summary>One central with a little of everything (two gateways, readings, events, a town, lighting programs, a command), shared by the contract tests.</summary>
public sealed class ApiContractFixture : IAsyncLifetime
{
    public static readonly string[] Gateways = ["fz-north", "fz-south"];

    internal CentralHost Central { get; private set; } = null!;

    internal JsonElement Document { get; private set; }

    public async Task InitializeAsync()
    {
        Central = await CentralHost.StartAsync(null, "--Central:AdmitOnBirth=true", "--Central:OpenData:Enabled=true", "--Central:OpenData:TrafficPoints:0=*/*");
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeMilliseconds();
        foreach (var id in Gateways)
        {
            await using var gateway = await FakeGateway.ConnectAsync(Central.MqttPort, id);
            await gateway.BirthAsync(1);
            await gateway.DataAsync(1, FakeGateway.SampleReadings(5, t0));
            await gateway.DataAsync(2, [new Reading(3, t0 + 1, PointValue.FromText("lamp-failed: gear 7"))], kind: BatchKind.Events);
            var acked = new HashSet<ulong>();
            while (acked.Count < 2)
            {
                acked.UnionWith((await gateway.NextAckAsync()).CommittedSeqs);
            }
        }

        using var csv = new StringContent("gateway,lamp_id,town,rated_power_w\nfz-north,lights-a/g3,Dijon,50\n", Encoding.UTF8, "text/csv");
        using (var imported = await Central.Http.PostAsync(new Uri("/api/v1/assets", UriKind.Relative), csv))
        {
            Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        }

        await LightingApi.PutExampleAsync(Central.Http);
        Document = await Central.GetJsonAsync("/openapi/v1.json");
    }

    public async Task DisposeAsync() => await Central.DisposeAsync();
}

/// <summary>The OpenAPI document against the running central: complete, open, lint-clean, and true to what the API answers.</summary>
public sealed class ApiContractTests(ApiContractFixture fixture) : IClassFixture<ApiContractFixture>
{
    private static readonly HashSet<string> Undocumented = new(StringComparer.Ordinal) { "GET /openapi/{documentName}.json", "GET /openapi" };

    [Fact]
    public async Task The_document_is_open_and_describes_every_endpoint_with_a_summary_parameters_and_responses()
    {
        using var anonymous = fixture.Central.NewClient(null);
        using var response = await anonymous.GetAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var document = fixture.Document;
        var documented = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                documented.Add($"{operation.Name.ToUpperInvariant()} {path.Name}");
                var op = operation.Value;
                Assert.True(op.TryGetProperty("summary", out _), $"{operation.Name} {path.Name}: no summary");
                Assert.True(op.TryGetProperty("operationId", out _), $"{operation.Name} {path.Name}: no operationId");
                var responses = op.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToList();
                Assert.Contains(responses, r => r.StartsWith('2'));
                if (path.Name.StartsWith("/api/v1/", StringComparison.Ordinal))
                {
                    Assert.Contains("401", responses);
                    Assert.Contains("500", responses);
                    Assert.False(op.TryGetProperty("security", out _), $"{operation.Name} {path.Name}: /api/v1 takes the document's bearer security");
                }

                // Every {name} of the path is a described path parameter.
                foreach (var name in path.Name.Split('{').Skip(1).Select(p => p[..p.IndexOf('}', StringComparison.Ordinal)]))
                {
                    Assert.Contains(op.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == name && p.GetProperty("in").GetString() == "path" && p.TryGetProperty("description", out _));
                }
            }
        }

        var endpoints = fixture.Central.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => $"{m} {e.RoutePattern.RawText}"))
            .Where(e => !Undocumented.Contains(e))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Empty(endpoints.Except(documented));
        Assert.Empty(documented.Except(endpoints));
        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString());
        Assert.Empty(Assert.Single(document.GetProperty("paths").GetProperty("/healthz").GetProperty("get").GetProperty("security").EnumerateArray()).EnumerateObject());
    }

    [Fact]
    public async Task The_docs_page_is_open_and_loads_nothing_from_elsewhere()
    {
        using var anonymous = fixture.Central.NewClient(null);
        using (var redirect = await anonymous.GetAsync(new Uri("/openapi", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, redirect.StatusCode);
        }

        foreach (var file in new[] { "/docs/index.html", "/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css", "/docs/index.js" })
        {
            using var response = await anonymous.GetAsync(new Uri(file, UriKind.Relative));
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{file}: {(int)response.StatusCode}");
            if (file.EndsWith(".html", StringComparison.Ordinal))
            {
                // Every script, style sheet and icon the page loads is one of its own files.
                var text = await response.Content.ReadAsStringAsync();
                Assert.Contains("swagger-ui", text, StringComparison.Ordinal);
                var references = System.Text.RegularExpressions.Regex.Matches(text, "(?:src|href)=\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToList();
                Assert.NotEmpty(references);
                Assert.All(references, r => Assert.DoesNotContain(":", r, StringComparison.Ordinal));
            }
            else if (file.EndsWith("index.js", StringComparison.Ordinal))
            {
                Assert.Contains("/openapi/v1.json", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task Every_error_has_the_one_shape_whoever_answers_it()
    {
        var schema = OpenApiSchemaCheck.Resolve(fixture.Document, "#/components/schemas/ErrorResponse");
        await LightingApi.PutOkAsync(fixture.Central.Http, "/api/v1/lighting/control-programs/err-prog", LightingApi.Fixed("err-prog", 40));
        await LightingApi.PutOkAsync(fixture.Central.Http, "/api/v1/lighting/calendars/err-cal", LightingApi.Every("err-cal", "err-prog"));
        using var anonymous = fixture.Central.NewClient(null);
        using var viewer = fixture.Central.NewClient(fixture.Central.CreateToken("contract-viewer", ApiRole.Viewer));
        var cases = new (HttpClient Client, HttpMethod Method, string Path, HttpStatusCode Status)[]
        {
            (anonymous, HttpMethod.Get, "/api/v1/gateways", HttpStatusCode.Unauthorized),
            (viewer, HttpMethod.Post, "/api/v1/gateways/fz-north/reset", HttpStatusCode.Forbidden),
            (fixture.Central.Http, HttpMethod.Get, "/api/v1/points/history?gateway=fz-north", HttpStatusCode.BadRequest),
            (fixture.Central.Http, HttpMethod.Get, "/api/v1/points/latest?gateway=fz-nobody", HttpStatusCode.NotFound),
            (fixture.Central.Http, HttpMethod.Get, "/api/v1/no-such-thing", HttpStatusCode.NotFound),
            (fixture.Central.Http, HttpMethod.Delete, "/api/v1/gateways", HttpStatusCode.MethodNotAllowed),
            (fixture.Central.Http, HttpMethod.Delete, "/api/v1/lighting/control-programs/err-prog", HttpStatusCode.Conflict),
        };
        foreach (var (client, method, path, status) in cases)
        {
            using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(status == response.StatusCode, $"{method} {path}: {(int)response.StatusCode} {text}");
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var body = JsonDocument.Parse(text).RootElement;
            Assert.Empty(OpenApiSchemaCheck.Validate(fixture.Document, schema, body));
            Assert.Equal((int)status, body.GetProperty("status").GetInt32());
            Assert.Equal(body.GetProperty("detail").GetString(), body.GetProperty("error").GetString());
            Assert.NotEmpty(body.GetProperty("errors").EnumerateArray());
        }
    }

    [Fact]
    public async Task Redocly_lints_the_document_without_errors()
    {
        var lint = Path.Combine(RepoRoot(), "tests", "openapi-lint");
        var cli = Path.Combine(lint, "node_modules", "@redocly", "cli", "bin", "cli.js");
        var node = PeerProcess.RequireExecutable("node", "apt-get install -y nodejs npm");
        if (!File.Exists(cli))
        {
            // test.sh installs it; `dotnet test` alone installs the locked version here.
            var npm = PeerProcess.RequireExecutable("npm", "apt-get install -y nodejs npm");
            var (installed, installOutput) = await PeerProcess.RunAsync(TimeSpan.FromMinutes(5), npm, "ci", "--prefix", lint, "--no-audit", "--no-fund");
            Assert.True(installed == 0, $"npm ci in {lint} failed:\n{installOutput}");
        }

        var file = Path.Combine(Path.GetTempPath(), $"central-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, fixture.Document.GetRawText());
        try
        {
            var (exitCode, output) = await PeerProcess.RunAsync(TimeSpan.FromMinutes(2), node, cli, "lint", file, "--config", Path.Combine(lint, "redocly.yaml"), "--format", "stylish");
            Assert.True(exitCode == 0, $"redocly lint found errors:\n{output}");
            Assert.Contains("valid", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Requests_generated_from_the_document_get_no_5xx_and_only_documented_answers()
    {
        var fuzzer = new ApiFuzzer(fixture.Document, ApiContractFixture.Gateways);
        var http = fixture.Central.Http;

        async Task Run(FuzzCase fuzz)
        {
            var operation = fuzzer.Operations[fuzz.Operation % fuzzer.Operations.Count];
            using var request = fuzzer.Build(fuzz);
            var sent = $"{request.Method} {request.RequestUri}{(request.Content is null ? string.Empty : " body: " + await request.Content.ReadAsStringAsync())}";
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            // A stream (server-sent events) never ends: its status and content type are checked, not its body.
            var body = response.Content.Headers.ContentType?.MediaType == "text/event-stream" ? string.Empty : await response.Content.ReadAsStringAsync();
            var problems = fuzzer.Check(operation, response.StatusCode, response.Content.Headers.ContentType?.MediaType, body);
            Assert.True(problems.Count == 0, $"{sent}\n{operation}: {string.Join("\n", problems)}");
        }

        // Every operation once with its ordinary values, then generated requests.
        for (var i = 0; i < fuzzer.Operations.Count; i++)
        {
            await Run(new FuzzCase(i, [], string.Empty));
        }

        var generator = Gen.Select(Gen.Int[0, fuzzer.Operations.Count - 1], Gen.Int[0, 1_000].Array[0, 12], Gen.String[0, 12], (operation, choices, junk) => new FuzzCase(operation, choices, junk));
        // A random seed each run; a failure names it (CsCheck_Seed=... in the environment replays it).
        await generator.SampleAsync(Run, iter: 400, threads: 1,
            print: f => $"{fuzzer.Operations[f.Operation % fuzzer.Operations.Count]} choices [{string.Join(',', f.Choices)}] junk '{f.Junk}'");
    }

    private static string RepoRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Edge.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Edge.sln not found above " + AppContext.BaseDirectory);
    }
}
