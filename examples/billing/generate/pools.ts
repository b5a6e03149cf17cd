/** Realistic French data pools for the generator. Surnames are upper case without accents, as the 2009 screens typed them. */

export const SURNAMES = [
  'MARTIN', 'BERNARD', 'THOMAS', 'PETIT', 'ROBERT', 'RICHARD', 'DURAND', 'DUBOIS', 'MOREAU', 'LAURENT', 'SIMON',
  'MICHEL', 'LEFEBVRE', 'LEROY', 'ROUX', 'DAVID', 'BERTRAND', 'MOREL', 'FOURNIER', 'GIRARD', 'BONNET', 'DUPONT',
  'LAMBERT', 'FONTAINE', 'ROUSSEAU', 'VINCENT', 'MULLER', 'LEFEVRE', 'FAURE', 'ANDRE', 'MERCIER', 'BLANC', 'GUERIN',
  'BOYER', 'GARNIER', 'CHEVALIER', 'FRANCOIS', 'LEGRAND', 'GAUTHIER', 'GARCIA', 'PERRIN', 'ROBIN', 'CLEMENT',
  'MORIN', 'NICOLAS', 'HENRY', 'ROUSSEL', 'MATHIEU', 'GAUTIER', 'MASSON', 'MARCHAND', 'DUVAL', 'DENIS', 'DUMONT',
  'MARIE', 'LEMAIRE', 'NOEL', 'MEYER', 'DUFOUR', 'MEUNIER', 'BRUN', 'BLANCHARD', 'GIRAUD', 'JOLY', 'RIVIERE',
  'LUCAS', 'BRUNET', 'GAILLARD', 'BARBIER', 'ARNAUD', 'MARTINEZ', 'GERARD', 'ROCHE', 'RENARD', 'SCHMITT', 'ROY',
  'LEROUX', 'COLIN', 'VIDAL', 'CARON', 'PICARD', 'ROGER', 'FABRE', 'AUBERT', 'LEMOINE', 'RENAUD', 'DUMAS', 'LACROIX',
  'OLIVIER', 'PHILIPPE', 'BOURGEOIS', 'PIERRE', 'BENOIT', 'REY', 'LECLERC', 'PAYET', 'ROLLAND', 'LECLERCQ', 'GUILLAUME',
  'LECOMTE', 'LOPEZ', 'JEAN', 'DUPUY', 'GUILLOT', 'HUBERT', 'BERGER', 'CARPENTIER', 'SANCHEZ', 'DUPUIS', 'MOULIN',
  'LOUIS', 'DESCHAMPS', 'HUET', 'VASSEUR', 'PEREZ', 'BOUCHER', 'FLEURY', 'ROYER', 'KLEIN', 'JACQUET', 'ADAM', 'PARIS',
  'POIRIER', 'MARTY', 'AUBRY', 'GUYOT', 'CARRE', 'CHARLES', 'RENAULT', 'CHARPENTIER', 'MENARD', 'MAILLARD', 'BARON',
  'BERTIN', 'BAILLY', 'HERVE', 'SCHNEIDER', 'FERNANDEZ', 'LE GALL', 'COLLET', 'LEGER', 'BOUVIER', 'JULIEN', 'PREVOST',
  'MILLET', 'PERROT', 'DANIEL', 'LE ROUX', 'COUSIN', 'GERMAIN', 'BRETON', 'BESSON', 'LANGLOIS', 'REMY', 'LE GOFF',
];

/** [first name, civility] — many with accents, so that mojibake can hit them. */
export const FIRST_NAMES: readonly (readonly [string, 'M.' | 'MME'])[] = [
  ['Jean', 'M.'], ['Pierre', 'M.'], ['Michel', 'M.'], ['André', 'M.'], ['Philippe', 'M.'], ['René', 'M.'],
  ['Louis', 'M.'], ['Alain', 'M.'], ['Jacques', 'M.'], ['Bernard', 'M.'], ['François', 'M.'], ['Gérard', 'M.'],
  ['Jérôme', 'M.'], ['Stéphane', 'M.'], ['Frédéric', 'M.'], ['Sébastien', 'M.'], ['Nicolas', 'M.'], ['Julien', 'M.'],
  ['Thomas', 'M.'], ['Hervé', 'M.'], ['Noël', 'M.'], ['Loïc', 'M.'], ['Benoît', 'M.'], ['Rémi', 'M.'], ['Cédric', 'M.'],
  ['Marie', 'MME'], ['Nathalie', 'MME'], ['Isabelle', 'MME'], ['Sylvie', 'MME'], ['Catherine', 'MME'],
  ['Françoise', 'MME'], ['Hélène', 'MME'], ['Valérie', 'MME'], ['Christine', 'MME'], ['Monique', 'MME'],
  ['Sophie', 'MME'], ['Céline', 'MME'], ['Émilie', 'MME'], ['Anaïs', 'MME'], ['Chloé', 'MME'], ['Léa', 'MME'],
  ['Amélie', 'MME'], ['Agnès', 'MME'], ['Mélanie', 'MME'], ['Géraldine', 'MME'], ['Josée', 'MME'], ['Camille', 'MME'],
];

export const ACCENTED_FIRST_NAMES = FIRST_NAMES.filter(([n]) => /[^\x00-\x7f]/.test(n));

export const STREET_TYPES = ['rue', 'avenue', 'boulevard', 'impasse', 'allée', 'chemin', 'place', 'route', 'quai'];
export const STREET_NAMES = [
  'de la République', 'Victor Hugo', 'Jean Jaurès', 'de la Gare', 'du Général de Gaulle', 'Pasteur', 'des Écoles',
  'de l\'Église', 'du Moulin', 'Gambetta', 'Émile Zola', 'des Tilleuls', 'des Lilas', 'du Château', 'Carnot',
  'de la Libération', 'Voltaire', 'des Prés', 'du 8 Mai 1945', 'Saint-Exupéry', 'de Verdun', 'Molière', 'des Érables',
  'du Stade', 'de la Fontaine', 'Foch', 'Clemenceau', 'Jules Ferry', 'de Lattre de Tassigny', 'des Acacias',
];
export const ADDRESS_COMPLEMENTS = ['Bât. A', 'Bât. B', 'Appt 12', 'Résidence les Pins', 'Escalier C', '3e étage', 'Lieu-dit la Crêt', 'BP 42'];

/** [postal code, city, country] */
export const CITIES: readonly (readonly [string, string, string])[] = [
  ['75011', 'Paris', 'FR'], ['75015', 'Paris', 'FR'], ['75018', 'Paris', 'FR'], ['69003', 'Lyon', 'FR'],
  ['13008', 'Marseille', 'FR'], ['31000', 'Toulouse', 'FR'], ['06000', 'Nice', 'FR'], ['44000', 'Nantes', 'FR'],
  ['67000', 'Strasbourg', 'FR'], ['34000', 'Montpellier', 'FR'], ['33000', 'Bordeaux', 'FR'], ['59000', 'Lille', 'FR'],
  ['35000', 'Rennes', 'FR'], ['51100', 'Reims', 'FR'], ['42000', 'Saint-Étienne', 'FR'], ['83000', 'Toulon', 'FR'],
  ['38000', 'Grenoble', 'FR'], ['21000', 'Dijon', 'FR'], ['49000', 'Angers', 'FR'], ['30000', 'Nîmes', 'FR'],
  ['45000', 'Orléans', 'FR'], ['25000', 'Besançon', 'FR'], ['14000', 'Caen', 'FR'], ['29200', 'Brest', 'FR'],
  ['87000', 'Limoges', 'FR'], ['37000', 'Tours', 'FR'], ['80000', 'Amiens', 'FR'], ['57000', 'Metz', 'FR'],
  ['66000', 'Perpignan', 'FR'], ['64100', 'Bayonne', 'FR'], ['01000', 'Bourg-en-Bresse', 'FR'], ['97400', 'Saint-Denis', 'FR'],
  ['73000', 'Chambéry', 'FR'], ['74000', 'Annecy', 'FR'], ['86000', 'Poitiers', 'FR'], ['63000', 'Clermont-Ferrand', 'FR'],
  ['1000', 'Bruxelles', 'BE'], ['4000', 'Liège', 'BE'], ['1204', 'Genève', 'CH'], ['1003', 'Lausanne', 'CH'],
  ['1009', 'Luxembourg', 'LU'],
];

export const MAIL_DOMAINS = ['orange.fr', 'wanadoo.fr', 'free.fr', 'gmail.com', 'laposte.net', 'sfr.fr', 'hotmail.fr', 'yahoo.fr', 'neuf.fr'];

/** Offers: [code CHAR(4), label, monthly price in cents (the tariffs of the years)] */
export const OFFERS: readonly (readonly [string, string, readonly number[]])[] = [
  ['ESS', 'Essentiel', [1490, 1690, 1990]],
  ['CONF', 'Confort', [2990, 3290, 3490]],
  ['PREM', 'Premium', [4990, 5490, 5990]],
  ['PRO', 'Pro', [7900, 8900, 9900]],
];

/** Extra invoice lines: [label, unit price in ten-thousandths (DECIMAL(10,4)), quantity kind] */
export const EXTRA_LINES: readonly (readonly [string, number, 'one' | 'consumption' | 'discount'])[] = [
  ['Option sécurité', 49_000, 'one'],
  ['Option télévision', 79_000, 'one'],
  ['Frais de création de dossier', 190_000, 'one'],
  ['Consommation hors forfait téléphonique', 1_523, 'consumption'],
  ['Appels vers l\'étranger', 2_350, 'consumption'],
  ['Location équipement', 30_000, 'one'],
  ['Remise fidélité', -20_000, 'discount'],
  ['Pénalité de retard', 100_000, 'one'],
];

export const MONTHS_FR = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];
