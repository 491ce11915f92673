using System.Globalization;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using City.Central.Auth;
using City.Central.Commands;
using City.Contract;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerUI;

namespace City.Central.Api;

/// <summary>
/// The OpenAPI document (<c>/openapi/v1.json</c>, Microsoft.AspNetCore.OpenApi) and its browsable page (<c>/docs</c>,
/// Swagger UI with its assets embedded: nothing is fetched from elsewhere). Both are open: they describe, they serve no
/// data. Each endpoint describes itself with <see cref="ApiDocs"/>' metadata; the transformers here turn that metadata
/// into parameters, bodies, security and error responses.
/// </summary>
internal static class OpenApiSetup
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    public const string PagePrefix = "docs";
    public const string SecuritySchemeName = "bearer";
    public const string MetricsPath = "/metrics";

    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["health"] = "Whether central can ingest (open, no token).",
        ["gateways"] = "The gateways central knows, their towns and tags, and the admin's reset.",
        ["points"] = "Latest values and history of the gateways' points.",
        ["events"] = "Device events (lamp failures, alarms, traps) and central's own.",
        ["stats"] = "Ingestion, refusal and command counters since start.",
        ["commands"] = "Signed, expiring commands to gateways and their audit trail.",
        ["lighting"] = "TALQ calendars and control programs, assignments and per-gateway lighting status.",
        ["assets"] = "Towns, sites and lamps; CSV and GeoJSON imports; maintenance.",
        ["energy"] = "Energy used, lit hours and savings per lamp, gateway or town.",
        ["stream"] = "The live stream of what central commits (Server-Sent Events).",
        ["metrics"] = "Central's metrics in Prometheus text format.",
        ["opendata"] = "The published open data (no token): index, DCAT-AP catalogue, dataset files; the admin's regeneration.",
    };

    public static IServiceCollection AddCentralOpenApi(this IServiceCollection services)
    {
        // The API writes numbers as JSON numbers and reads its bodies itself; the web default (numbers also read from
        // strings) would describe every integer as "integer or string".
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.NumberHandling = JsonNumberHandling.Strict);
        services.AddOpenApi(DocumentName, options =>
        {
            options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            options.AddDocumentTransformer((document, context, _) =>
            {
                DescribeMetrics(document, context.ApplicationServices);
                DescribeDocument(document);
                return Task.CompletedTask;
            });
            options.AddOperationTransformer(DescribeOperationAsync);
            options.AddSchemaTransformer((schema, context, _) =>
            {
                // WriteValue is written by its converter as a bare number, boolean or string.
                if (context.JsonTypeInfo.Type == typeof(WriteValue))
                {
                    schema.Type = null;
                    schema.Properties = null;
                    schema.Required = null;
                    schema.OneOf = [new OpenApiSchema { Type = JsonSchemaType.Number }, new OpenApiSchema { Type = JsonSchemaType.Boolean }, new OpenApiSchema { Type = JsonSchemaType.String }];
                    schema.Description = "A number, true/false or a string.";
                }

                return Task.CompletedTask;
            });
        });
        return services;
    }

    /// <summary>The page's static files: before authentication, so that the fallback policy (a token for everything) does not apply.</summary>
    public static WebApplication UseDocsPage(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseSwaggerUI(options =>
        {
            options.RoutePrefix = PagePrefix;
            options.DocumentTitle = "City central API";
            options.SwaggerEndpoint(DocumentPath, "City central API v1");
            options.ConfigObject.ValidatorUrl = null;
            options.ConfigObject.PersistAuthorization = false;
        });
        return app;
    }

    public static WebApplication MapOpenApiDocument(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapGet("/openapi", () => Results.Redirect($"/{PagePrefix}/")).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// <c>/metrics</c> is prometheus-net's middleware endpoint, not a route handler, so the generator does not see it:
    /// described here when it exists, open or with a token as it is mapped.
    /// </summary>
    private static void DescribeMetrics(OpenApiDocument document, IServiceProvider services)
    {
        var endpoint = services.GetService<EndpointDataSource>()?.Endpoints.OfType<RouteEndpoint>().FirstOrDefault(e => e.RoutePattern.RawText == MetricsPath);
        if (endpoint is null)
        {
            return;
        }

        var operation = new OpenApiOperation
        {
            OperationId = "getMetrics",
            Summary = "Central's metrics (Prometheus text format)",
            Description = "Ingest, queue, commit latency, rejects, gateways online, commands, stream clients; labelled with the instance id.",
            Tags = new HashSet<OpenApiTagReference> { new("metrics", document) },
            Responses = new OpenApiResponses
            {
                ["200"] = new OpenApiResponse
                {
                    Description = "The metrics.",
                    Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal) { ["text/plain"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } } },
                },
            },
        };
        if (endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null)
        {
            operation.Security = [new OpenApiSecurityRequirement()];
        }
        else
        {
            operation.Responses["401"] = new OpenApiResponse
            {
                Description = "No bearer token, or one central does not know.",
                Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal) { [ApiDocs.Json] = new() { Schema = new OpenApiSchemaReference(nameof(ErrorResponse), document) } },
            };
        }

        document.Paths ??= [];
        document.Paths[MetricsPath] = new OpenApiPathItem { Operations = new Dictionary<HttpMethod, OpenApiOperation> { [HttpMethod.Get] = operation } };
        document.Tags ??= new HashSet<OpenApiTag>();
        document.Tags.Add(new OpenApiTag { Name = "metrics" });
    }

    private static void DescribeDocument(OpenApiDocument document)
    {
        document.Info = new OpenApiInfo
        {
            Title = "City central API",
            Version = typeof(OpenApiSetup).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "1",
            Description = "Gateways, points, events, commands, lighting, assets and energy of the city's street-cabinet gateways. "
                + "Every /api/v1 request needs `Authorization: Bearer TOKEN` (`central token create`); a role (viewer, operator, admin) "
                + "includes the ones below it. Every error has the same shape (ErrorResponse). Lists page with an opaque `cursor` "
                + "(the `nextCursor` of the previous page).",
            License = new OpenApiLicense { Name = "Proprietary: the city's own software", Identifier = "LicenseRef-City-Proprietary" },
        };
        // The server a client reached, without the trailing slash (linters want none).
        foreach (var server in document.Servers ?? [])
        {
            server.Url = server.Url?.TrimEnd('/');
        }

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal)
        {
            [SecuritySchemeName] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "A token of `central token create --name NAME --role viewer|operator|admin`.",
            },
        };
        document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SecuritySchemeName, document)] = [] }];
        document.Tags ??= new HashSet<OpenApiTag>();
        foreach (var tag in document.Tags)
        {
            tag.Description ??= tag.Name is { } name && TagDescriptions.TryGetValue(name, out var text) ? text : null;
        }
    }

    private static async Task DescribeOperationAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        foreach (var parameter in metadata.OfType<ParamDoc>())
        {
            Describe(operation, parameter);
        }

        if (metadata.OfType<BodyDoc>().LastOrDefault() is { } body)
        {
            var schema = body.Type is null ? new OpenApiSchema() : await context.GetOrCreateSchemaAsync(body.Type, null, cancellationToken).ConfigureAwait(false);
            var content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal);
            foreach (var (type, example) in body.Examples)
            {
                var json = type.Contains("json", StringComparison.Ordinal);
                content[type] = new OpenApiMediaType
                {
                    Schema = json ? schema : new OpenApiSchema { Type = JsonSchemaType.String },
                    Example = json ? JsonNode.Parse(example) : JsonValue.Create(example),
                };
            }

            operation.RequestBody = new OpenApiRequestBody { Description = body.Description, Required = body.Required, Content = content };
        }

        foreach (var alternative in metadata.OfType<ResponseAlternative>())
        {
            var code = alternative.Status.ToString(CultureInfo.InvariantCulture);
            if (operation.Responses?.TryGetValue(code, out var response) == true && response.Content?.TryGetValue(ApiDocs.Json, out var media) == true && media is { Schema: { } first })
            {
                var second = await context.GetOrCreateSchemaAsync(alternative.Type, null, cancellationToken).ConfigureAwait(false);
                media.Schema = new OpenApiSchema { OneOf = [first, second] };
            }
        }

        if (metadata.OfType<IAllowAnonymous>().Any())
        {
            // An empty requirement: no token needed.
            operation.Security = [new OpenApiSecurityRequirement()];
            return;
        }

        var role = metadata.OfType<IAuthorizeData>()
            .Select(a => a.Policy is { } policy && TokenStore.TryParseRole(policy, out var least) ? least : ApiRole.Viewer)
            .DefaultIfEmpty(ApiRole.Viewer).Max();
        var note = $"Role: {TokenStore.RoleName(role)}{(role == ApiRole.Admin ? string.Empty : " or above")}.";
        operation.Description = string.IsNullOrEmpty(operation.Description) ? note : $"{operation.Description}\n\n{note}";
    }

    private static void Describe(OpenApiOperation operation, ParamDoc doc)
    {
        operation.Parameters ??= [];
        var location = doc.InPath ? ParameterLocation.Path : ParameterLocation.Query;
        var existing = operation.Parameters.FirstOrDefault(p => p.Name == doc.Name && p.In == location);
        if (existing is not null)
        {
            operation.Parameters.Remove(existing);
        }

        operation.Parameters.Add(new OpenApiParameter
        {
            Name = doc.Name,
            In = location,
            Required = doc.Required || doc.InPath,
            Deprecated = doc.Deprecated,
            Description = doc.Description,
            Schema = SchemaOf(doc),
        });
    }

    private static OpenApiSchema SchemaOf(ParamDoc doc) => doc.Kind switch
    {
        ParamKind.Gateway => new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^[A-Za-z0-9._-]{1,64}$", MaxLength = GatewayIds.MaxLength },
        ParamKind.Time => new OpenApiSchema
        {
            Type = JsonSchemaType.String,
            Description = "An ISO-8601 time (2026-11-26T14:00:00Z) or a whole number of Unix milliseconds.",
        },
        ParamKind.Integer => new OpenApiSchema
        {
            Type = JsonSchemaType.Integer,
            Minimum = doc.Minimum?.ToString(CultureInfo.InvariantCulture),
            Maximum = doc.Maximum?.ToString(CultureInfo.InvariantCulture),
        },
        ParamKind.Choice => new OpenApiSchema { Type = JsonSchemaType.String, Enum = [.. (doc.Values ?? []).Select(v => (JsonNode)JsonValue.Create(v))] },
        ParamKind.Cursor => new OpenApiSchema { Type = JsonSchemaType.String, Description = "Opaque: the nextCursor of the previous page, as it is." },
        ParamKind.Uuid => new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid" },
        _ => new OpenApiSchema { Type = JsonSchemaType.String },
    };
}
