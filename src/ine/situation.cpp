#include "ine/situation.hpp"

#include <algorithm>
#include <array>

namespace inereg::ine {
namespace {

constexpr std::string_view kVigente = "La credencial esta vigente";

// Decisions beyond the two texts Veriff documents (ine-domain.md §9):
// - Situations the INE counts as vigente (1, 3, 4) answer Veriff's vigente text.
// - A *temporary* stolen/lost report (25, 26, 31, 32) answers active=false even though
//   the INE still marks the card vigente: a card reported stolen in the last 30 days
//   being presented for identity verification is the case a risk team must see.
// - A *cancelled* report (27, 28, 33, 34) leaves the card vigente, so active=true.
// - The folio-consulted variants 29–34 follow the order of the catalog's non-folio
//   entries (permanent, temporary, cancelled); the catalog lists them only as a range.
constexpr std::array kPolicies = {
    SituationPolicy{1, "VIGENTE", true, kVigente},
    SituationPolicy{2, "NO_VIGENTE", false,
                    "No está vigente como medio de identificación y no puedes votar. Tu registro fue reincorporado "
                    "al Padrón Electoral, pero no se encuentra en la Lista Nominal de Electores."},
    SituationPolicy{3, "RESIDENTE_EXTRANJERO", true, kVigente},
    SituationPolicy{4, "RESECCIONAMIENTO", true, kVigente},
    SituationPolicy{5, "REINCORPORADO", false,
                    "Tu registro fue reincorporado al Padrón Electoral, pero no se encuentra en la Lista Nominal de "
                    "Electores."},
    SituationPolicy{6, "OCR_DISTINTO", false,
                    "El número OCR no coincide con el registrado; acude a un módulo de atención ciudadana."},
    SituationPolicy{7, "NUMERO_EMISION_DIFERENTE", false,
                    "No está vigente como medio de identificación y no puedes votar.¡Esta no es tu última credencial!, "
                    "realizaste un trámite de actualización de datos, por lo que tu consulta fue con una credencial "
                    "anterior. Realiza una nueva consulta con tu última credencial."},
    SituationPolicy{10, "TRAMITE_EN_PROCESO", false, "¡No concluiste tu trámite! La credencial no está vigente."},
    SituationPolicy{11, "CREDENCIAL_BAJA_PERDIDA_VIGENCIA", false,
                    "La credencial fue dada de baja del Padrón Electoral por pérdida de vigencia."},
    SituationPolicy{12, "DUPLICADO", false,
                    "Existe otro registro a tu nombre; este registro fue dado de baja del Padrón Electoral."},
    SituationPolicy{13, "DEFUNCION", false, "El registro fue dado de baja del Padrón Electoral por defunción."},
    SituationPolicy{14, "SUSPENSION_DE_DERECHOS", false,
                    "El registro fue dado de baja del Padrón Electoral por suspensión de derechos políticos."},
    SituationPolicy{15, "CANCELACION_DE_TRAMITE", false,
                    "El registro fue dado de baja del Padrón Electoral porque la credencial no se recogió a tiempo."},
    SituationPolicy{16, "PERDIDA_DE_NACIONALIDAD", false,
                    "El registro fue dado de baja del Padrón Electoral por pérdida de la nacionalidad."},
    SituationPolicy{17, "DATOS_IRREGULARES", false,
                    "El registro fue dado de baja del Padrón Electoral por datos irregulares."},
    SituationPolicy{18, "ROBADA_AL_INSTITUTO", false, "¡ESTA CREDENCIAL ESTA REPORTADA COMO ROBADA O EXTRAVIADA!"},
    SituationPolicy{19, "REPORTE_DE_ROBO", false,
                    "¡Esta credencial fue reportada como robada! Por lo que este registro no se encuentra en el "
                    "Padrón Electoral y ha sido excluido de la Lista Nominal de Electores."},
    SituationPolicy{20, "REPORTE_DE_EXTRAVIO", false,
                    "¡Esta credencial fue reportada como extraviada! Por lo que este registro no se encuentra en el "
                    "Padrón Electoral y ha sido excluido de la Lista Nominal de Electores."},
    SituationPolicy{21, "DATOS_NO_ENCONTRADOS", false,
                    "No se obtuvieron datos de la consulta con los parámetros seleccionados"},
    SituationPolicy{22, "CAMBIO_CLAVE_ELECTOR", false,
                    "¡Esta no es tu última credencial! Una corrección de datos cambió tu clave de elector."},
    SituationPolicy{23, "RESULTADO_VARIOS_REGISTROS", false, "La consulta devolvió más de un registro."},
    SituationPolicy{24, "USURPACION", false,
                    "El registro fue dado de baja del Padrón Electoral por usurpación de identidad."},
    SituationPolicy{25, "REPORTE_DE_ROBO_TEMPORAL", false, "¡Esta credencial tiene un reporte temporal de robo!"},
    SituationPolicy{26, "REPORTE_DE_EXTRAVIO_TEMPORAL", false,
                    "¡Esta credencial tiene un reporte temporal de extravío!"},
    SituationPolicy{27, "REPORTE_DE_ROBO_CANCELADO", true, kVigente},
    SituationPolicy{28, "REPORTE_DE_EXTRAVIO_CANCELADO", true, kVigente},
    SituationPolicy{29, "REPORTE_DE_ROBO_FOLIO", false, "¡Esta credencial fue reportada como robada!"},
    SituationPolicy{30, "REPORTE_DE_EXTRAVIO_FOLIO", false, "¡Esta credencial fue reportada como extraviada!"},
    SituationPolicy{31, "REPORTE_DE_ROBO_TEMPORAL_FOLIO", false, "¡Esta credencial tiene un reporte temporal de robo!"},
    SituationPolicy{32, "REPORTE_DE_EXTRAVIO_TEMPORAL_FOLIO", false,
                    "¡Esta credencial tiene un reporte temporal de extravío!"},
    SituationPolicy{33, "REPORTE_DE_ROBO_CANCELADO_FOLIO", true, kVigente},
    SituationPolicy{34, "REPORTE_DE_EXTRAVIO_CANCELADO_FOLIO", true, kVigente},
    SituationPolicy{35, "ACTIVA_EXTRANJERO", false,
                    "No está vigente como medio de identificación, no puedes votar, tramitaste tu credencial en el "
                    "extranjero y necesitas activarla para que sea vigente y así poder votar."},
    SituationPolicy{36, "REINCORPORACION_EXTRANJERO", false,
                    "No está vigente como medio de identificación: tu registro fue reincorporado y tramitaste tu "
                    "credencial en el extranjero; necesitas activarla para que sea vigente."},
    SituationPolicy{37, "CAMBIO_DE_DOMICILIO", false,
                    "El registro fue dado de baja del Padrón Electoral por cambio de domicilio."},
    SituationPolicy{38, "MENORES_DE_EDAD", false,
                    "El registro fue dado de baja del Padrón Electoral por minoría de edad."},
    SituationPolicy{39, "MIGRACION", false, "El registro fue dado de baja del Padrón Electoral por migración."},
};

}  // namespace

std::span<const SituationPolicy> situation_policies() {
  return kPolicies;
}

std::optional<SituationPolicy> policy_for_situation(int situation_id) {
  const auto it =
      std::find_if(kPolicies.begin(), kPolicies.end(), [&](const SituationPolicy& p) { return p.id == situation_id; });
  if (it == kPolicies.end()) {
    return std::nullopt;
  }
  return *it;
}

}  // namespace inereg::ine
