using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using OpenMeet.AppService.Api;
using OpenMeet.AppService.Handles;
using OpenMeet.AppService.Hosting;
using OpenMeet.AppService.Internal;
using OpenMeet.AppService.Matrix;
using OpenMeet.AppService.Reconciliation;
using OpenMeet.AppService.Status;

namespace OpenMeet.AppService;

// The push path's depth limit for everything read as JSON, room state from Synapse included: a member can
// put content nested over a hundred deep into a room, and the default of 64 would make that room unreadable.
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, MaxDepth = Transactions.TransactionParser.MaxDepth)]
[JsonSerializable(typeof(MatrixError))]
[JsonSerializable(typeof(MasUser))]
[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(StatusReport))]
[JsonSerializable(typeof(TenantBody))]
[JsonSerializable(typeof(UserBody))]
[JsonSerializable(typeof(EntityBody))]
[JsonSerializable(typeof(MemberBody))]
[JsonSerializable(typeof(RoomRequest))]
[JsonSerializable(typeof(PermissionRequest))]
[JsonSerializable(typeof(DmRequest))]
[JsonSerializable(typeof(ReconcileRequest))]
[JsonSerializable(typeof(TenantReply))]
[JsonSerializable(typeof(UserReply))]
[JsonSerializable(typeof(EntityReply))]
[JsonSerializable(typeof(MemberReply))]
[JsonSerializable(typeof(RoomReply))]
[JsonSerializable(typeof(RoomReport))]
[JsonSerializable(typeof(ReconcileReply))]
[JsonSerializable(typeof(ReconcileJobReport))]
[JsonSerializable(typeof(PermissionReply))]
[JsonSerializable(typeof(HandleCheck))]
[JsonSerializable(typeof(ClaimRequest))]
[JsonSerializable(typeof(CredentialsReply))]
internal sealed partial class AppJsonContext : JsonSerializerContext;
